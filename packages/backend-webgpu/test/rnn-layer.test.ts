/**
 * The fused `rnnLayer` kernel (forward and backward) against the CPU backend's kernel, at sizes the
 * conformance suite's small cases do not reach: hidden sizes past a tile, long packed batches, both
 * matmul kernels (the per-step products run on slices of packed buffers at offsets). The CPU kernel
 * works in float64 before rounding its outputs; the WebGPU kernel in float32 throughout, so after
 * sums over up to 256 products and 12 time steps the tolerance is |gpu − cpu| ≤ 1e-5 + 1e-5·|cpu|
 * (measured worst: printed at the end).
 */
import type { RnnLayerAttrs, RnnMode, TensorSpec } from '@rnn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index';
import { cpu, fusedKernel, type Pair, randomPair } from './compare';
import { webgpu } from './gpu';

let g: WebGPUBackend;
beforeAll(async () => {
  g = await webgpu();
});

const TOL = 1e-5;
let worst = 0;
let worstWhere = '';

async function compare(label: string, gpu: object | null, host: object | null, size: number) {
  expect(gpu === null, `${label}: presence`).toBe(host === null);
  if (!gpu || !host) return;
  const got = await g.read(gpu, 'float32', size);
  const want = cpu.readSync!(host, 'float32', size);
  let bad = '';
  for (let i = 0; i < size; i++) {
    const err = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (err > worst) {
      worst = err;
      worstWhere = label;
    }
    if (!(Math.abs(got[i] - want[i]) <= TOL + TOL * Math.abs(want[i])) && !bad)
      bad = `${label}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`;
  }
  expect(bad).toBe('');
}

interface Case {
  mode: RnnMode;
  batchSizes: number[];
  inputSize: number;
  hidden: number;
  bias: boolean;
  reverse: boolean;
  proj?: number;
}

const CASES: Case[] = [
  {
    mode: 'lstm',
    batchSizes: [8, 8, 7, 7, 5, 5, 5, 4, 2, 2, 1, 1],
    inputSize: 48,
    hidden: 64,
    bias: true,
    reverse: false,
  },
  {
    mode: 'lstm',
    batchSizes: [6, 5, 5, 3, 1],
    inputSize: 20,
    hidden: 33,
    bias: true,
    reverse: true,
    proj: 17,
  },
  { mode: 'lstm', batchSizes: [5, 5, 5, 5], inputSize: 9, hidden: 70, bias: false, reverse: false },
  {
    mode: 'gru',
    batchSizes: [8, 8, 7, 7, 5, 5, 5, 4, 2, 2, 1, 1],
    inputSize: 48,
    hidden: 64,
    bias: true,
    reverse: false,
  },
  { mode: 'gru', batchSizes: [7, 4, 4, 2], inputSize: 13, hidden: 40, bias: false, reverse: true },
  { mode: 'rnn_tanh', batchSizes: [9, 9, 6, 3, 3, 1], inputSize: 30, hidden: 80, bias: true, reverse: true },
  { mode: 'rnn_relu', batchSizes: [9, 9, 6, 3, 3, 1], inputSize: 30, hidden: 80, bias: true, reverse: false },
];

describe('rnnLayer kernel against the CPU kernel', () => {
  for (const c of CASES) {
    for (const kernel of ['auto', 'tiled'] as const) {
      const name = `${c.mode}${c.reverse ? ', reverse' : ''}${c.proj ? `, projection ${c.proj}` : ''}${c.bias ? '' : ', no bias'}, H=${c.hidden}, batchSizes [${c.batchSizes.join(',')}] (${kernel} matmul)`;
      it(name, async () => {
        g.context.options.matmulKernel = kernel;
        try {
          await runCase(c, name);
        } finally {
          g.context.options.matmulKernel = 'auto';
        }
      });
    }
  }
});

async function runCase(c: Case, label: string): Promise<void> {
  const gates = c.mode === 'lstm' ? 4 : c.mode === 'gru' ? 3 : 1;
  const gh = gates * c.hidden;
  const hOut = c.proj ?? c.hidden;
  const n = c.batchSizes.reduce((a, b) => a + b, 0);
  const batch = c.batchSizes[0];
  let seed = c.hidden * 7 + c.inputSize;
  const next = (shape: number[], lo = -1, hi = 1) => randomPair(g, shape, seed++, 'float32', lo, hi);
  const k = 1 / Math.sqrt(c.hidden);
  const inputs: Pair[] = [next([n, c.inputSize]), next([batch, hOut])];
  if (c.mode === 'lstm') inputs.push(next([batch, c.hidden]));
  inputs.push(next([gh, c.inputSize], -k, k), next([gh, hOut], -k, k));
  if (c.bias) inputs.push(next([gh], -k, k), next([gh], -k, k));
  if (c.proj) inputs.push(next([c.proj, c.hidden], -k, k));
  const attrs: RnnLayerAttrs = {
    mode: c.mode,
    batchSizes: c.batchSizes,
    reverse: c.reverse,
    hasBias: c.bias,
    hasProj: !!c.proj,
  };
  const a = attrs;
  const kg = fusedKernel(g, 'rnnLayer');
  const kc = fusedKernel(cpu, 'rnnLayer');
  const gIn = inputs.map((p) => p.gpu);
  const cIn = inputs.map((p) => p.cpu);
  const outG = kg.forward(gIn, a);
  const outC = kc.forward(cIn, a);
  const outShapes = [
    [n, hOut],
    [batch, hOut],
  ];
  if (c.mode === 'lstm') outShapes.push([batch, c.hidden]);
  if (c.mode !== 'rnn_tanh' && c.mode !== 'rnn_relu')
    outShapes.push([n, (c.mode === 'lstm' ? 5 : 4) * c.hidden]);
  expect(outG.length).toBe(outShapes.length);
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  for (let i = 0; i < outShapes.length; i++)
    await compare(`${label} output ${i}`, outG[i], outC[i], size(outShapes[i]));

  // Backward with gradients of every output, then with y's gradient only (final states' missing).
  const spec = (storage: object, shape: number[]): TensorSpec => ({ storage, shape, dtype: 'float32' });
  for (const which of ['all', 'y only'] as const) {
    const grads: (Pair | null)[] = outShapes.map((s, i) =>
      i === outShapes.length - 1 && c.mode !== 'rnn_tanh' && c.mode !== 'rnn_relu'
        ? null // the workspace has no gradient
        : which === 'y only' && i > 0
          ? null
          : next(s),
    );
    const dG = kg.backward!(
      gIn,
      outG.map((s, i) => spec(s, outShapes[i])),
      grads.map((p) => p?.gpu ?? null),
      a,
    );
    const dC = kc.backward!(
      cIn,
      outC.map((s, i) => spec(s, outShapes[i])),
      grads.map((p) => p?.cpu ?? null),
      a,
    );
    expect(dG.length).toBe(inputs.length);
    for (let i = 0; i < inputs.length; i++)
      await compare(`${label} (${which}) gradient ${i}`, dG[i], dC[i], size([...inputs[i].cpu.shape]));
  }
}

afterAll(() => {
  console.log(`rnnLayer webgpu vs cpu kernel: worst error ${worst.toExponential(2)} (${worstWhere})`);
});
