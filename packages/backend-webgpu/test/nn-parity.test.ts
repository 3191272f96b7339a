/**
 * PyTorch parity of `@rnn/nn`'s layers on WebGPU: the fixtures of `packages/nn/fixtures` (PyTorch,
 * float64, weights in a PyTorch-written safetensors file) run in float32 on the WebGPU backend, through
 * the fused kernels (rnnLayer, layerNorm) and, for the recurrent layers, through the composites too.
 * Outputs, final states and the gradients of the parameters, inputs and initial states are compared
 * with PyTorch's float64 values.
 *
 * Tolerance: |webgpu − torch| ≤ ATOL + RTOL·|torch| with RTOL = 1e-4, ATOL = 1e-5. float32 rounds
 * each value by 6e-8 relative; an LSTM layer sums a few dozen products per gate and the errors of up
 * to 6 time steps and 2 layers (forward and back) compound, so errors of 1e-6 to a few 1e-6 are what
 * float32 itself gives (the CPU backend in float32 shows the same); 1e-4 leaves room for GPUs whose
 * transcendental functions differ by a few ulp, while still catching any wrong formula, gate order
 * or packing step (those are off by 1e-2 or more). The worst error seen is printed at the end.
 */
import { readFileSync } from 'node:fs';
import {
  Embedding,
  GRU,
  LayerNorm,
  Linear,
  LSTM,
  loadSafetensors,
  type PackedSequence,
  packPaddedSequence,
  padPackedSequence,
  RNN,
  skipInit,
} from '@rnn/nn';
import { scope, type Tensor, tensor, withoutFusedKernels } from '@rnn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonTensor, LayerFixtures, RnnCase } from '../../nn/test/helpers/fixture-schema';
import { webgpu } from './gpu';

const RTOL = 1e-4;
/** Modules are built in float64 to load the float64 weights, then converted to float32 and moved. */
const F64 = { dtype: 'float64' as const };
const ATOL = 1e-5;

const dir = new URL('../../nn/fixtures/', import.meta.url);
const fixtures = JSON.parse(readFileSync(new URL('rnn_fixtures.json', dir), 'utf8')) as {
  torch: string;
  rnn: RnnCase[];
  layers: LayerFixtures;
};
const weights = loadSafetensors(new Uint8Array(readFileSync(new URL('rnn_weights.safetensors', dir))));

function withPrefix(prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(weights))
    if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** A float32 tensor on WebGPU from the fixture's float64 values. */
function gpu(j: JsonTensor, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(j.data), { shape: j.shape, backend: 'webgpu', requiresGrad });
}

let worst = 0;
let worstWhere = '';

/** Reads `actual` back and compares it with PyTorch's values; records the worst relative error. */
async function check(what: string, actual: Tensor | null, expected: JsonTensor): Promise<void> {
  expect(actual, `${what}: missing`).not.toBeNull();
  expect(actual!.backend.name, `${what}: backend`).toBe('webgpu');
  expect([...actual!.shape], `${what}: shape`).toEqual(expected.shape);
  const a = await actual!.data();
  let bad = '';
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    const err = Math.abs(a[i] - e);
    const rel = err / Math.max(Math.abs(e), 1e-1);
    if (rel > worst) {
      worst = rel;
      worstWhere = `${what} [${i}]`;
    }
    if (!(err <= ATOL + RTOL * Math.abs(e)) && !bad) bad = `${what} [${i}]: webgpu ${a[i]}, torch ${e}`;
  }
  expect(bad).toBe('');
}

function build(c: RnnCase): RNN | LSTM | GRU {
  const common = {
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    batchFirst: c.batchFirst,
    bias: c.bias,
    dtype: 'float64' as const,
  };
  const model = skipInit(() => {
    if (c.kind === 'lstm') return new LSTM(c.inputSize, c.hiddenSize, { ...common, projSize: c.projSize });
    if (c.kind === 'gru') return new GRU(c.inputSize, c.hiddenSize, common);
    return new RNN(c.inputSize, c.hiddenSize, { ...common, nonlinearity: c.nonlinearity });
  });
  model.loadStateDict(withPrefix(c.name));
  return model.float().to('webgpu');
}

async function runRnnCase(c: RnnCase, label: string): Promise<void> {
  await scope(async () => {
    const model = build(c);
    const x = gpu(c.x, true);
    const h0 = c.h0 ? gpu(c.h0, true) : null;
    const c0 = c.c0 ? gpu(c.c0, true) : null;
    const input = c.lengths ? packPaddedSequence(x, c.lengths, { batchFirst: c.batchFirst }) : x;
    let out: Tensor;
    let hN: Tensor;
    let cN: Tensor | null = null;
    if (model instanceof LSTM) {
      const [o, [h, cc]] = model.forward(input as Tensor, h0 && c0 ? [h0, c0] : null);
      [out, hN, cN] = [o, h, cc];
    } else {
      [out, hN] = (model as GRU).forward(input as Tensor, h0);
    }
    if (c.lengths) {
      const packed = out as unknown as PackedSequence;
      expect(packed.batchSizes).toEqual(c.batchSizes);
      await check(`${label} packed data`, packed.data, c.packedData!);
      [out] = padPackedSequence(packed, { batchFirst: c.batchFirst });
    }
    await check(`${label} output`, out, c.out);
    await check(`${label} h_n`, hN, c.hN);
    if (cN) await check(`${label} c_n`, cN, c.cN!);

    let loss = out
      .mul(gpu(c.gOut))
      .sum()
      .add(hN.mul(gpu(c.gH)).sum());
    if (cN) loss = loss.add(cN.mul(gpu(c.gC!)).sum());
    loss.backward();
    for (const [name, g] of Object.entries(c.grads))
      await check(`${label} grad ${name}`, model.getParameter(name).grad, g);
    await check(`${label} grad x`, x.grad, c.xGrad);
    if (h0) await check(`${label} grad h0`, h0.grad, c.h0Grad!);
    if (c0) await check(`${label} grad c0`, c0.grad, c.c0Grad!);
    for (const p of model.parameters()) p.grad?.dispose();
  });
}

beforeAll(async () => {
  await webgpu();
});

describe(`recurrent layers on WebGPU match PyTorch ${fixtures.torch} (float32 vs float64, rtol ${RTOL}, atol ${ATOL})`, () => {
  for (const c of fixtures.rnn) {
    it(`${c.name}: outputs, final states and gradients (fused rnnLayer kernel)`, () => runRnnCase(c, c.name));
    it(`${c.name}: the same through the composite`, () =>
      withoutFusedKernels(() => runRnnCase(c, `${c.name} (composite)`)));
  }

  it('every case ran on the fused kernel: the backend has rnnLayer', async () => {
    const b = await webgpu();
    expect(typeof b.fused?.rnnLayer?.forward).toBe('function');
    expect(typeof b.fused?.rnnLayer?.backward).toBe('function');
  });
});

describe('Linear, Embedding and LayerNorm on WebGPU match PyTorch (float32 vs float64)', () => {
  const L = fixtures.layers;

  it('Linear: output and gradients', async () => {
    await scope(async () => {
      const lin = skipInit(() => new Linear(4, 3, F64));
      lin.loadStateDict(withPrefix('linear'));
      lin.float().to('webgpu');
      const x = gpu(L.linear.x, true);
      const y = lin.forward(x);
      await check('Linear y', y, L.linear.y);
      y.mul(gpu(L.linear.g)).sum().backward();
      await check('Linear dx', x.grad, L.linear.xGrad);
      await check('Linear dW', lin.weight.grad, L.linear.grads.weight);
      await check('Linear db', (lin.bias as Tensor).grad, L.linear.grads.bias);
    });
  });

  it('Embedding with paddingIdx: output and gradient (none for the padding row)', async () => {
    await scope(async () => {
      const f = L.embedding;
      const emb = skipInit(() => new Embedding(10, 4, { paddingIdx: f.paddingIdx, ...F64 }));
      emb.loadStateDict(withPrefix('embedding'));
      emb.float().to('webgpu');
      const y = emb.forward(tensor(f.indices, { dtype: 'int32', backend: 'webgpu' }));
      await check('Embedding y', y, f.y);
      y.mul(gpu(f.g)).sum().backward();
      await check('Embedding dW', emb.weight.grad, f.grads.weight);
    });
  });

  it('Embedding with maxNorm: renormalises the looked-up rows in place', async () => {
    await scope(async () => {
      const f = L.embeddingMaxNorm;
      const emb = skipInit(() => new Embedding(6, 3, { maxNorm: f.maxNorm, ...F64 }));
      emb.loadStateDict(withPrefix('embedding_maxnorm'));
      emb.float().to('webgpu');
      const y = emb.forward(tensor(f.indices, { dtype: 'int32', backend: 'webgpu' }));
      await check('Embedding maxNorm y', y, f.y);
      await check('Embedding maxNorm weight', emb.weight, f.weightAfter);
    });
  });

  for (const fused of [true, false]) {
    it(`LayerNorm over two dimensions: output and gradients (${fused ? 'fused layerNorm kernel' : 'composite'})`, async () => {
      const run = () =>
        scope(async () => {
          const f = L.layerNorm;
          const ln = skipInit(() => new LayerNorm(f.normalizedShape, { eps: f.eps, ...F64 }));
          ln.loadStateDict(withPrefix('layer_norm'));
          ln.float().to('webgpu');
          const x = gpu(f.x, true);
          const y = ln.forward(x);
          await check('LayerNorm y', y, f.y);
          y.mul(gpu(f.g)).sum().backward();
          await check('LayerNorm dx', x.grad, f.xGrad);
          await check('LayerNorm dweight', (ln.weight as Tensor).grad, f.grads.weight);
          await check('LayerNorm dbias', (ln.bias as Tensor).grad, f.grads.bias);
        });
      if (fused) await run();
      else await withoutFusedKernels(run);
    });
  }
});

afterAll(() => {
  console.log(
    `PyTorch parity on WebGPU (float32): worst error ${worst.toExponential(2)} relative to max(|torch|, 0.1) at ${worstWhere}`,
  );
});
