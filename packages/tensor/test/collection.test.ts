import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  DisposedError,
  isGradEnabled,
  memory,
  noGrad,
  randn,
  scope,
  type Tensor,
  tensor,
  tidy,
} from '../src/index';

/**
 * Memory without `tidy`: the loops a PyTorch user writes first, with no scope, no dispose and no
 * await, must not leak. The storage of an unreachable tensor is reclaimed by the collector during the
 * loop itself (FinalizationRegistry callbacks never run inside it, so nothing may depend on them).
 */

const gc = (globalThis as { gc?: () => void }).gc!;

/** Bytes of live ArrayBuffers after a full collection, measured inside the synchronous loop. */
function liveArrayBytes(): number {
  gc();
  gc(); // the first may leave array buffers for the sweeper to free
  return process.memoryUsage().arrayBuffers;
}

const yieldToEventLoop = () => new Promise((r) => setTimeout(r, 0));

describe('memory without tidy', () => {
  it('tests run with --expose-gc', () => {
    expect(gc).toBeTypeOf('function');
  });

  it("the engine issue's loop: storage is reclaimed during a loop that never yields", () => {
    const w = randn([128, 128]).requiresGrad_();
    const step = () => {
      const loss = w
        .matmul(randn([128, 128]))
        .tanh()
        .sum();
      loss.backward();
      w.grad = null;
    };
    for (let i = 0; i < 20; i++) step();
    const warm = liveArrayBytes();
    for (let i = 0; i < 400; i++) step(); // 400 × ~256 KiB of garbage: 100 MiB if it were kept
    const after = liveArrayBytes();
    expect(after).toBeLessThan(warm * 1.5 + 4 * 2 ** 20);
  });

  it('memory() counts collected tensors until the collector reports them, then drops back', async () => {
    await yieldToEventLoop();
    const before = memory().tensors;
    for (let i = 0; i < 50; i++) randn([64, 64]).tanh();
    expect(memory().tensors).toBeGreaterThan(before); // pending: the loop has not yielded
    gc();
    await yieldToEventLoop();
    gc();
    await yieldToEventLoop();
    expect(memory().tensors).toBeLessThanOrEqual(before);
  });

  it('a loss kept after backward() keeps nothing of the forward pass alive', () => {
    const w = randn([64, 256]).requiresGrad_();
    const losses: Tensor[] = [];
    const step = () => {
      const h = randn([256, 64]).matmul(w).tanh().mul(2).sigmoid(); // four [256, 256] activations
      const loss = h.mean();
      loss.backward();
      w.grad = null;
      losses.push(loss);
    };
    for (let i = 0; i < 10; i++) step();
    const warm = liveArrayBytes();
    for (let i = 0; i < 200; i++) step(); // would keep 200 × 1 MiB alive through the graph
    expect(liveArrayBytes()).toBeLessThan(warm * 1.5 + 4 * 2 ** 20);
    expect(losses[0].gradFn?.freed).toBe(true);
  });

  it('a second backward() through a freed graph is a clear AutogradError', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const loss = w.mul(w).sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(AutogradError);
    expect(() => loss.backward()).toThrow(/already freed by an earlier backward\(\).*retainGraph/);
    const kept = w.mul(3).sum();
    kept.backward(undefined, { retainGraph: true });
    kept.backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([2 + 3 + 3, 4 + 3 + 3, 6 + 3 + 3]);
  });

  it('explicit release stays exact: dispose and scopes give storage back at once', () => {
    const before = memory().backends.cpu;
    const t = randn([1000]);
    expect(memory().backends.cpu.bytes - before.bytes).toBe(4000);
    t.dispose();
    expect(memory().backends.cpu.bytes).toBe(before.bytes);
    tidy(() => {
      randn([1000]).tanh();
    });
    expect(memory().backends.cpu.bytes).toBe(before.bytes);
    expect(memory().backends.cpu.backendBytes).toBe(memory().backends.cpu.bytes);
  });
});

describe('use after dispose', () => {
  it('names the op that used the tensor and what disposed it', () => {
    const t = tensor([1, 2, 3]);
    t.dispose();
    expect(() => t.add(1)).toThrow(DisposedError);
    expect(() => t.matmul(tensor([[1], [2], [3]]))).toThrow(
      /^matmul: tensor \[3\] float32 was used after it was disposed: dispose\(\) was called on it$/,
    );
    let inner: Tensor | undefined;
    tidy(() => {
      inner = tensor([1, 2]).mul(2);
    });
    expect(() => inner!.tanh()).toThrow(/^tanh: .*the tidy\(\) it was created in closed.*keep\(\)/);
    expect(() => inner!.dataSync()).toThrow(/^dataSync: /);
  });
});

describe('scopes and grad mode follow their async task', () => {
  it('two interleaved scope(async) tasks never dispose each other’s tensors', async () => {
    const step = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const kept: Tensor[] = [];
    const task = (label: number, delays: number[]) =>
      scope(async () => {
        let acc = tensor([label]);
        for (const d of delays) {
          await step(d);
          acc = acc.add(1); // made while the other task's scope is open too
          kept.push(acc);
        }
        return acc;
      });
    const [a, b] = await Promise.all([task(100, [1, 5, 1, 5]), task(200, [3, 1, 6, 1])]);
    expect(a.arraySync()).toEqual([104]);
    expect(b.arraySync()).toEqual([204]);
    // Each scope disposed exactly its own intermediates, none of the other task's result.
    const alive = kept.filter((t) => !t.isDisposed);
    expect(alive).toHaveLength(2);
    expect(alive).toContain(a);
    expect(alive).toContain(b);
  });

  it('an async noGrad in one task does not switch recording off in another', async () => {
    const seen: boolean[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const evaluation = noGrad(async () => {
      await gate;
      return isGradEnabled();
    });
    const training = (async () => {
      await Promise.resolve();
      seen.push(isGradEnabled());
      const w = tensor([2], { requiresGrad: true });
      seen.push(w.mul(3).requiresGrad);
      release();
    })();
    await training;
    expect(await evaluation).toBe(false);
    expect(seen).toEqual([true, true]);
    expect(isGradEnabled()).toBe(true);
  });
});
