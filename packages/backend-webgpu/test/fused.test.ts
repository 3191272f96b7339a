/**
 * The fused kernels (softmax cross-entropy, LSTM cell, layer norm; forward and backward) against the
 * CPU backend's fused kernels, through autograd against the composites they replace, and the Adam
 * update against its float32 composite. (`rnnLayer` has its own file.)
 */
import { adamUpdateOp, sgdUpdateOp } from '@rnn/nn';
import {
  lstmCell,
  noGrad,
  randn,
  runFused,
  scope,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  withoutFusedKernels,
} from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index';
import { cpu, expectSame, fusedKernel, pair, randomPair, rng } from './compare';
import { webgpu } from './gpu';

let g: WebGPUBackend;
beforeAll(async () => {
  g = await webgpu();
});

describe('softmaxCrossEntropy kernel', () => {
  for (const [n, c] of [
    [6, 10],
    [5, 300],
  ]) {
    it(`forward and backward match the CPU kernel for [${n}, ${c}] logits`, async () => {
      const logits = randomPair(g, [n, c], n * c, 'float32', -8, 8);
      const r = rng(c);
      const target = pair(
        g,
        Array.from({ length: n }, () => Math.floor(r() * c)),
        [n],
        'int32',
      );
      const gy = randomPair(g, [n], 3);
      const k = fusedKernel(g, 'softmaxCrossEntropy');
      const kc = fusedKernel(cpu, 'softmaxCrossEntropy');
      const [loss] = k.forward([logits.gpu, target.gpu], {});
      const [lossC] = kc.forward([logits.cpu, target.cpu], {});
      await expectSame(g, { gpu: loss, cpu: lossC }, 'float32', n, { rtol: 1e-5 });
      const outs = [{ storage: loss, shape: [n], dtype: 'float32' as const }];
      const outsC = [{ storage: lossC, shape: [n], dtype: 'float32' as const }];
      const [dx, dt] = k.backward!([logits.gpu, target.gpu], outs, [gy.gpu], {});
      const [dxC] = kc.backward!([logits.cpu, target.cpu], outsC, [gy.cpu], {});
      expect(dt).toBeNull();
      await expectSame(g, { gpu: dx!, cpu: dxC! }, 'float32', n * c, { rtol: 1e-5 });
    });
  }
});

describe('lstmCell kernel', () => {
  const [b, h] = [3, 7];
  it('forward matches the CPU kernel', async () => {
    const gates = randomPair(g, [b, 4 * h], 1, 'float32', -4, 4);
    const c = randomPair(g, [b, h], 2);
    const [hg, cg] = fusedKernel(g, 'lstmCell').forward([gates.gpu, c.gpu], {});
    const [hc, cc] = fusedKernel(cpu, 'lstmCell').forward([gates.cpu, c.cpu], {});
    await expectSame(g, { gpu: hg, cpu: hc }, 'float32', b * h);
    await expectSame(g, { gpu: cg, cpu: cc }, 'float32', b * h);
  });

  for (const which of ['both', 'h only', 'c only'] as const) {
    it(`backward matches the CPU kernel with gradients of ${which}`, async () => {
      const gates = randomPair(g, [b, 4 * h], 4, 'float32', -4, 4);
      const c = randomPair(g, [b, h], 5);
      const gh = randomPair(g, [b, h], 6);
      const gc = randomPair(g, [b, h], 7);
      const spec = (s: object) => ({ storage: s, shape: [b, h], dtype: 'float32' as const });
      const kg = fusedKernel(g, 'lstmCell');
      const kc = fusedKernel(cpu, 'lstmCell');
      const [hg, cg] = kg.forward([gates.gpu, c.gpu], {});
      const [hc, cc] = kc.forward([gates.cpu, c.cpu], {});
      const grads = (p: 'gpu' | 'cpu') => [
        which === 'c only' ? null : gh[p],
        which === 'h only' ? null : gc[p],
      ];
      const [dz, dc] = kg.backward!([gates.gpu, c.gpu], [spec(hg), spec(cg)], grads('gpu'), {});
      const [dzC, dcC] = kc.backward!([gates.cpu, c.cpu], [spec(hc), spec(cc)], grads('cpu'), {});
      await expectSame(g, { gpu: dz!, cpu: dzC! }, 'float32', b * 4 * h);
      await expectSame(g, { gpu: dc!, cpu: dcC! }, 'float32', b * h);
    });
  }
});

describe('fused ops through autograd', () => {
  /** Loss and gradients of `f` on a backend, as host arrays. */
  async function lossAndGrads(
    backend: string,
    f: (xs: Tensor[]) => Tensor,
    inputs: Float32Array[],
    shapes: number[][],
  ) {
    return scope(async () => {
      const xs = inputs.map((d, i) => tensor(d, { shape: shapes[i], backend, requiresGrad: true }));
      const loss = f(xs);
      loss.backward();
      return { loss: await loss.item(), grads: await Promise.all(xs.map((x) => x.grad!.data())) };
    });
  }

  it('lstmCell and softmaxCrossEntropy: kernel, composite and CPU agree', async () => {
    const r = rng(99);
    const gates = Float32Array.from({ length: 4 * 20 }, () => (r() - 0.5) * 6);
    const c0 = Float32Array.from({ length: 4 * 5 }, () => r() - 0.5);
    const w = Float32Array.from({ length: 5 * 9 }, () => r() - 0.5);
    const f = ([z, c, wt]: Tensor[]) => {
      const [hn, cn] = lstmCell(z, c);
      const target = tensor([1, 8, 0, 4], { dtype: 'int32', backend: z.backend });
      return softmaxCrossEntropy(hn.add(cn).matmul(wt), target).mean();
    };
    const shapes = [
      [4, 20],
      [4, 5],
      [5, 9],
    ];
    const fused = await lossAndGrads('webgpu', f, [gates, c0, w], shapes);
    const composite = await withoutFusedKernels(() => lossAndGrads('webgpu', f, [gates, c0, w], shapes));
    const reference = await lossAndGrads('cpu', f, [gates, c0, w], shapes);
    for (const other of [composite, reference]) {
      expect(fused.loss).toBeCloseTo(other.loss, 5);
      fused.grads.forEach((gr, i) => {
        const o = other.grads[i];
        for (let j = 0; j < gr.length; j++)
          expect(Math.abs(gr[j] - o[j])).toBeLessThan(1e-5 + 1e-5 * Math.abs(o[j]));
      });
    }
    expect(randn([1], { backend: 'webgpu' }).backend.name).toBe('webgpu');
  });
});

describe('layerNorm kernel', () => {
  const spec = (storage: object, shape: number[]) => ({ storage, shape, dtype: 'float32' as const });
  for (const [shape, k, affine] of [
    [[7, 3, 4], 2, 'weight and bias'],
    [[5, 300], 1, 'weight and bias'],
    [[4, 260], 1, 'none'],
    [[9, 6], 1, 'weight only'],
  ] as const) {
    it(`forward and backward match the CPU kernel for [${shape.join(', ')}] over ${k} dims, ${affine}`, async () => {
      const d = shape.slice(shape.length - k).reduce((a, b) => a * b, 1);
      const rows = shape.reduce((a, b) => a * b, 1) / d;
      const stat = [...shape.slice(0, shape.length - k), ...Array(k).fill(1)];
      const x = randomPair(g, [...shape], rows * d + 1, 'float32', -3, 5);
      const inputs = [x];
      const wShape = [...shape.slice(shape.length - k)];
      if (affine !== 'none') inputs.push(randomPair(g, wShape, 2, 'float32', 0.5, 1.5));
      if (affine === 'weight and bias') inputs.push(randomPair(g, wShape, 3));
      const attrs = {
        normalizedDims: k,
        eps: 1e-5,
        hasWeight: affine !== 'none',
        hasBias: affine === 'weight and bias',
      };
      const kg = fusedKernel(g, 'layerNorm');
      const kc = fusedKernel(cpu, 'layerNorm');
      const outG = kg.forward(
        inputs.map((p) => p.gpu),
        attrs,
      );
      const outC = kc.forward(
        inputs.map((p) => p.cpu),
        attrs,
      );
      const sizes = [rows * d, rows, rows];
      for (let i = 0; i < 3; i++)
        await expectSame(g, { gpu: outG[i], cpu: outC[i] }, 'float32', sizes[i], { rtol: 1e-5, atol: 1e-5 });
      const shapes = [[...shape], stat, stat];
      // With the gradient of y only, then with gradients of the mean and rstd outputs as well.
      for (const all of [false, true]) {
        const grads = [
          randomPair(g, [...shape], 4),
          all ? randomPair(g, stat, 5) : null,
          all ? randomPair(g, stat, 6) : null,
        ];
        const dG = kg.backward!(
          inputs.map((p) => p.gpu),
          outG.map((s, i) => spec(s, shapes[i])),
          grads.map((p) => p?.gpu ?? null),
          attrs,
        );
        const dC = kc.backward!(
          inputs.map((p) => p.cpu),
          outC.map((s, i) => spec(s, shapes[i])),
          grads.map((p) => p?.cpu ?? null),
          attrs,
        );
        expect(dG.length).toBe(inputs.length);
        for (let i = 0; i < inputs.length; i++) {
          const n = i === 0 ? rows * d : d;
          await expectSame(g, { gpu: dG[i]!, cpu: dC[i]! }, 'float32', n, { rtol: 1e-4, atol: 1e-5 });
        }
      }
    });
  }
});

describe('optimizer update kernels', () => {
  const adam = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 };
  const sgd = { lr: 0.1, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
  const variants = [
    { op: adamUpdateOp, amsgrad: false, ...adam, decoupled: false, weightDecay: 0, maximize: false, step: 1 },
    {
      op: adamUpdateOp,
      amsgrad: false,
      ...adam,
      decoupled: true,
      weightDecay: 0.01,
      maximize: false,
      step: 10,
    },
    { op: adamUpdateOp, amsgrad: true, ...adam, decoupled: false, weightDecay: 0.1, maximize: true, step: 3 },
    { op: sgdUpdateOp, ...sgd, momentum: 0, firstStep: true, step: 1, weightDecay: 0.01 },
    { op: sgdUpdateOp, ...sgd, momentum: 0.9, firstStep: false, step: 2, dampening: 0.1, nesterov: false },
    { op: sgdUpdateOp, ...sgd, momentum: 0.9, firstStep: false, step: 3, nesterov: true, maximize: true },
  ];
  for (const { op, ...v } of variants) {
    it(`${op.name} matches the CPU backend's float32 composite (${JSON.stringify(v)})`, async () => {
      const n = 1000;
      const r = rng(v.step);
      const make = (lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
      const host = [make(-2, 2), make(-1, 1)];
      if (op === adamUpdateOp) host.push(make(-0.1, 0.1), make(0, 0.01));
      if ('amsgrad' in v && v.amsgrad) host.push(make(0, 0.01));
      if ('momentum' in v && v.momentum !== 0) host.push(make(-0.5, 0.5));
      const attrs = v;
      const run = (backend: string) =>
        scope(async () => {
          const xs = host.map((d) => tensor(d, { backend }));
          const outs = noGrad(() => runFused(op, xs, attrs));
          return Promise.all(outs.map((o) => o.data()));
        });
      const got = await run('webgpu');
      // The composite on the CPU: float32 elementwise ops, each correctly rounded (the CPU backend has
      // update kernels of its own, which may compute in float64).
      const want = await withoutFusedKernels(() => run('cpu'));
      expect(got.length).toBe(host.length - 1);
      // Sums and products are exact float32 operations on both; WGSL lets division and sqrt be off
      // by a few ulp, which moves the parameter by far less than its own ulp.
      got.forEach((o, i) => {
        for (let j = 0; j < n; j++) {
          const e = want[i][j];
          expect(Math.abs(o[j] - e), `output ${i} [${j}]`).toBeLessThanOrEqual(2e-7 * Math.abs(e) + 1e-12);
        }
      });
    });
  }
});
