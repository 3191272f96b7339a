/**
 * Out-of-range indices on the GPU: every index-reading kernel (indexSelect, indexAdd, gather,
 * scatterAdd, the fused softmaxCrossEntropy forward and backward) records a bad index or target in the
 * device-side error flag, writes a safe value instead of reading or writing out of bounds, and the next
 * read or sync rejects with a `BackendError` naming the op, the value, its position and the range.
 * The flag is then clear: later work, and the same tensors read again, come back normally.
 */
import { Embedding } from '@rnn/nn';
import { BackendError, softmaxCrossEntropy, type TensorSpec, tensor } from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index';
import { cpu, expectSame, fusedKernel, pair, randomPair } from './compare';
import { webgpu } from './gpu';

let g: WebGPUBackend;
beforeAll(async () => {
  g = await webgpu();
});

const f32 = (storage: object, shape: number[]): TensorSpec => ({ storage, shape, dtype: 'float32' });
const i32 = (values: number[]): TensorSpec => ({
  storage: g.fromArray(Int32Array.from(values), 'int32'),
  shape: [values.length],
  dtype: 'int32',
});

/** The message of a bad index, as a pattern (brackets and parentheses escaped). */
function report(op: string, what: string, value: number, position: number, limit: number): RegExp {
  const text = `webgpu: ${op}: ${what} ${value} at position ${position} is out of range [0, ${limit}) (reported at the next read or sync`;
  return new RegExp(text.replace(/[[\]()]/g, '\\$&'));
}

/** `read` rejects with `pattern`, as a `BackendError`; a second read of the same storage then succeeds. */
async function expectReport(out: object, size: number, pattern: RegExp): Promise<number[]> {
  const first = g.read(out, 'float32', size);
  await expect(first).rejects.toBeInstanceOf(BackendError);
  await expect(first).rejects.toThrow(pattern);
  return Array.from(await g.read(out, 'float32', size));
}

/** An in-range workload on the same device reads back what the CPU backend computes. */
async function expectHealthy(): Promise<void> {
  const x = randomPair(g, [5, 3], 7);
  const index = pair(g, [4, 0, 4, 2], [4], 'int32');
  await expectSame(
    g,
    { gpu: g.indexSelect(x.gpu, 0, index.gpu), cpu: cpu.indexSelect(x.cpu, 0, index.cpu) },
    'float32',
    12,
  );
  await g.sync();
}

describe('out-of-range indices reject at the next read', () => {
  // Each case twice: an index past the end (its size plus `over`) and a negative one.
  for (const [over, negative] of [
    [0, -1],
    [7, -5],
  ]) {
    it(`indexSelect with indices ${5 + over} and ${negative}: zeros in their place, reported at the next read`, async () => {
      for (const bad of [5 + over, negative]) {
        const x = f32(g.fromArray(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'float32'), [5, 2]);
        const out = g.indexSelect(x, 0, i32([1, 4, bad, 0]));
        const values = await expectReport(out, 8, report('indexSelect', 'index', bad, 2, 5));
        expect(values).toEqual([3, 4, 9, 10, 0, 0, 1, 2]);
        await expectHealthy();
      }
    });

    it(`indexAdd with indices ${2 + over} and ${negative}: the source row skipped`, async () => {
      for (const bad of [2 + over, negative]) {
        const src = f32(g.fromArray(Float32Array.from([1, 2, 3, 4, 5, 6]), 'float32'), [3, 2]);
        const out = g.indexAdd([2, 2], 0, i32([1, bad, 1]), src);
        const values = await expectReport(out, 4, report('indexAdd', 'index', bad, 1, 2));
        expect(values).toEqual([0, 0, 6, 8]);
        await expectHealthy();
      }
    });

    it(`gather with indices ${3 + over} and ${negative} along axis 1: zero in their place`, async () => {
      for (const bad of [3 + over, negative]) {
        const x = f32(g.fromArray(Float32Array.from([1, 2, 3, 4, 5, 6]), 'float32'), [2, 3]);
        const index: TensorSpec = {
          storage: g.fromArray(Int32Array.from([2, 0, 1, bad]), 'int32'),
          shape: [2, 2],
          dtype: 'int32',
        };
        const out = g.gather(x, 1, index);
        const values = await expectReport(out, 4, report('gather', 'index', bad, 3, 3));
        expect(values).toEqual([3, 1, 5, 0]);
        await expectHealthy();
      }
    });

    it(`scatterAdd with indices ${3 + over} and ${negative} along axis 0: the source skipped`, async () => {
      for (const bad of [3 + over, negative]) {
        const src = f32(g.fromArray(Float32Array.from([1, 2, 3, 4]), 'float32'), [2, 2]);
        const index: TensorSpec = {
          storage: g.fromArray(Int32Array.from([2, bad, 0, 2]), 'int32'),
          shape: [2, 2],
          dtype: 'int32',
        };
        const out = g.scatterAdd([3, 2], 0, index, src);
        const values = await expectReport(out, 6, report('scatterAdd', 'index', bad, 1, 3));
        expect(values).toEqual([3, 0, 0, 0, 1, 4]);
        await expectHealthy();
      }
    });
  }

  // 10 classes: a thread per row; 300: a workgroup per row.
  for (const c of [10, 300]) {
    for (const bad of [c + 2, -3]) {
      it(`softmaxCrossEntropy with target ${bad} of ${c} classes: forward (loss 0) and backward (zero row)`, async () => {
        const n = 4;
        const logits = randomPair(g, [n, c], c, 'float32', -3, 3);
        const target = i32([1, 0, bad, c - 1]);
        const kernel = fusedKernel(g, 'softmaxCrossEntropy');
        const [loss] = kernel.forward([logits.gpu, target], {});
        const losses = await expectReport(loss, n, report('softmaxCrossEntropy', 'target', bad, 2, c));
        expect(losses[2]).toBe(0);
        expect(losses.filter((_, i) => i !== 2).every((v) => v > 0)).toBe(true);

        const gy = f32(g.fromArray(Float32Array.from([1, 1, 1, 1]), 'float32'), [n]);
        const [dx] = kernel.backward!([logits.gpu, target], [f32(loss, [n])], [gy], {});
        const grads = await expectReport(
          dx!,
          n * c,
          report('softmaxCrossEntropy (backward)', 'target', bad, 2, c),
        );
        expect(grads.slice(2 * c, 3 * c).every((v) => v === 0)).toBe(true);
        // Rows with valid targets are untouched: each sums to zero (softmax minus one-hot).
        expect(Math.abs(grads.slice(0, c).reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
        await expectHealthy();
      });
    }
  }
});

describe('through the tensor API', () => {
  it('an embedding lookup past the vocabulary rejects at data(), then the model works again', async () => {
    const emb = new Embedding(10, 4, { backend: 'webgpu' });
    const y = emb.forward(tensor(Int32Array.from([3, 12, 9]), { backend: 'webgpu' }));
    await expect(y.data()).rejects.toThrow(report('indexSelect', 'index', 12, 1, 10));
    const ok = emb.forward(tensor(Int32Array.from([3, 9]), { backend: 'webgpu' }));
    const [want] = [await emb.weight.data()];
    expect(Array.from(await ok.data())).toEqual([...want.slice(12, 16), ...want.slice(36, 40)]);
  });

  it('cross-entropy with a negative target rejects at item(); the gradient path reports too', async () => {
    const logits = tensor(
      Float32Array.from({ length: 12 }, (_, i) => i / 7),
      {
        backend: 'webgpu',
        shape: [3, 4],
      },
    ).requiresGrad_();
    const loss = softmaxCrossEntropy(
      logits,
      tensor(Int32Array.from([0, -2, 3]), { backend: 'webgpu' }),
    ).mean();
    await expect(loss.item()).rejects.toThrow(report('softmaxCrossEntropy', 'target', -2, 1, 4));
    loss.backward();
    await expect(logits.grad!.data()).rejects.toThrow(
      report('softmaxCrossEntropy (backward)', 'target', -2, 1, 4),
    );
    const grad = await logits.grad!.data();
    expect(Array.from(grad.slice(4, 8))).toEqual([0, 0, 0, 0]);
  });

  it('gather through the tensor API; its gradient (scatterAdd) reports the same index', async () => {
    const x = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), {
      backend: 'webgpu',
      shape: [2, 3],
    }).requiresGrad_();
    const y = x.gather(1, tensor(Int32Array.from([0, 7, 2, 1]), { backend: 'webgpu', shape: [2, 2] }));
    await expect(y.data()).rejects.toThrow(report('gather', 'index', 7, 1, 3));
    y.sum().backward();
    await expect(x.grad!.data()).rejects.toThrow(report('scatterAdd', 'index', 7, 1, 3));
  });
});

describe('when it surfaces', () => {
  it('sync() rejects too, and only once; the first bad index wins', async () => {
    const x = f32(g.fromArray(new Float32Array(6), 'float32'), [3, 2]);
    const a = g.indexSelect(x, 0, i32([0, 3]));
    const b = g.gather(x, 0, { ...i32([-4, 0]), shape: [1, 2] });
    await expect(g.sync()).rejects.toThrow(report('indexSelect', 'index', 3, 1, 3));
    await g.sync();
    for (const s of [a, b, x.storage]) g.release(s);
  });

  it('a read of an unrelated tensor reports it (the next read after the op), with no extra submit', async () => {
    await g.sync();
    const unrelated = g.fill([3], 'float32', 2);
    const x = f32(g.fromArray(new Float32Array(4), 'float32'), [4]);
    const out = g.indexSelect(x, 0, i32([9]));
    const submits = g.stats().submits;
    await expect(g.read(unrelated, 'float32', 3)).rejects.toThrow(report('indexSelect', 'index', 9, 0, 4));
    expect(g.stats().submits - submits).toBe(1);
    expect(Array.from(await g.read(unrelated, 'float32', 3))).toEqual([2, 2, 2]);
    for (const s of [unrelated, out, x.storage]) g.release(s);
  });

  it('an in-range workload of every index-reading kernel reports nothing', async () => {
    const x = randomPair(g, [6, 5], 11);
    const index = pair(g, [5, 0, 5, 3, 1], [5], 'int32');
    const index2 = randomPair(g, [6, 5], 12, 'int32', 0, 5);
    const target = pair(g, [0, 4, 2, 1, 3, 4], [6], 'int32');
    const gy = randomPair(g, [6], 13);
    const kg = fusedKernel(g, 'softmaxCrossEntropy');
    const kc = fusedKernel(cpu, 'softmaxCrossEntropy');
    const [dxG] = kg.backward!([x.gpu, target.gpu], [], [gy.gpu], {});
    const [dxC] = kc.backward!([x.cpu, target.cpu], [], [gy.cpu], {});
    const outs = {
      indexSelect: [g.indexSelect(x.gpu, 0, index.gpu), cpu.indexSelect(x.cpu, 0, index.cpu), 25],
      indexAdd: [g.indexAdd([6, 5], 0, index.gpu, x.gpu), cpu.indexAdd([6, 5], 0, index.cpu, x.cpu), 30],
      gather: [g.gather(x.gpu, 1, index2.gpu), cpu.gather(x.cpu, 1, index2.cpu), 30],
      scatterAdd: [
        g.scatterAdd([6, 5], 1, index2.gpu, x.gpu),
        cpu.scatterAdd([6, 5], 1, index2.cpu, x.cpu),
        30,
      ],
      loss: [kg.forward([x.gpu, target.gpu], {})[0], kc.forward([x.cpu, target.cpu], {})[0], 6],
      dx: [dxG!, dxC!, 30],
    } as const;
    await g.sync();
    for (const [gpu, cpuOut, n] of Object.values(outs)) {
      await expectSame(g, { gpu, cpu: cpuOut }, 'float32', n, { rtol: 1e-5 });
    }
  });
});
