/**
 * The fused kernels (softmax cross-entropy, LSTM cell; forward and backward) against the CPU backend's
 * fused kernels, and through autograd against the composites they replace.
 */
import {
  lstmCell,
  randn,
  scope,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  withoutFusedKernels,
} from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index';
import { cpu, expectSame, pair, randomPair, rng } from './compare';
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
      const k = g.fused!.softmaxCrossEntropy;
      const kc = cpu.fused!.softmaxCrossEntropy;
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
    const [hg, cg] = g.fused!.lstmCell.forward([gates.gpu, c.gpu], {});
    const [hc, cc] = cpu.fused!.lstmCell.forward([gates.cpu, c.cpu], {});
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
      const kg = g.fused!.lstmCell;
      const kc = cpu.fused!.lstmCell;
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
