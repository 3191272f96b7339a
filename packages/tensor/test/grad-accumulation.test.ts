/**
 * Gradient accumulation in the autograd engine: a tensor used many times gets the sum of its
 * gradients; after the first sum (a buffer the engine allocated itself) the rest are added in place.
 * These tests pin the values and check that no buffer anyone else can see is ever written.
 */
import { describe, expect, it } from 'vitest';
import { linear, memory, type Tensor, tensor, tidy } from '../src/index';

const values = (t: Tensor) => Array.from(t.dataSync());

/** `sum_k (x * c_k)` over `uses` uses of `x`, then `.sum()`: d/dx = Σ c_k. */
function manyUses(x: Tensor, uses: number): Tensor {
  let acc: Tensor | null = null;
  for (let k = 1; k <= uses; k++) {
    const term = x.mul(k * 0.5);
    acc = acc ? acc.add(term) : term;
  }
  return acc!.sum();
}

describe('gradient accumulation', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`sums the gradients of a leaf and of an inner node used many times (${dtype})`, () => {
      const n = 2000; // above the native add threshold, exact in both dtypes
      const x = tensor(
        Array.from({ length: n }, (_, i) => (i % 7) - 3),
        { dtype, requiresGrad: true },
      );
      const h = x.mul(2); // inner node used 6 times
      const loss = manyUses(h, 6).add(manyUses(x, 5));
      loss.backward();
      // d/dh = 0.5 * (1 + ... + 6) = 10.5, so d/dx = 2 * 10.5 + 0.5 * (1 + ... + 5) = 28.5
      expect(values(x.grad!)).toEqual(new Array(n).fill(28.5));
    });
  }

  it('gives the same values as separate backward passes summed by hand', () => {
    const w = tensor(
      [
        [0.5, -1.25, 2],
        [1.5, 0.25, -0.75],
      ],
      { requiresGrad: true },
    );
    const xs = [
      tensor([
        [1, 2, 3],
        [-1, 0.5, 2],
      ]),
      tensor([[0.25, -2, 1]]),
      tensor([
        [3, 1, -1],
        [2, 2, 2],
        [0.5, 0.5, -4],
      ]),
    ];
    const expected = new Array(6).fill(0);
    for (const x of xs) {
      linear(x, w).tanh().sum().backward();
      values(w.grad!).forEach((v, i) => {
        expected[i] += v;
      });
      w.grad!.dispose();
      w.grad = null;
    }
    xs.map((x) => linear(x, w).tanh().sum())
      .reduce((a, b) => a.add(b))
      .backward();
    const got = values(w.grad!);
    // Same additions in float32, but possibly in another order: equal to rounding.
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
  });

  it('never writes into a .grad from an earlier backward() or a gradient the caller passed in', () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const g = tensor([1, 10, 100, 1000]);
    x.backward(g); // x.grad shares g's storage
    x.backward(g);
    x.backward(g);
    expect(values(g)).toEqual([1, 10, 100, 1000]);
    expect(values(x.grad!)).toEqual([3, 30, 300, 3000]);

    const w = tensor([1, -1, 2], { requiresGrad: true });
    manyUses(w, 4).backward();
    const held = w.grad!;
    const heldValues = values(held);
    // A second pass whose own accumulation runs in place must not touch the first pass's .grad.
    manyUses(w, 4).backward();
    expect(values(w.grad!)).toEqual(heldValues.map((v) => 2 * v));
    if (!held.isDisposed) expect(values(held)).toEqual(heldValues);
    expect(w.grad).not.toBe(held);
  });

  it('keeps pass-through gradients (aliases of one buffer) apart', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(1);
    // add's backward hands the same upstream gradient to both operands: every slot starts as an alias.
    h.add(h).add(h).add(h).sum().backward();
    expect(values(x.grad!)).toEqual([4, 4, 4]);
  });

  it('is correct with retainGraph, twice through the same graph', () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    const loss = manyUses(x.mul(x), 5);
    loss.backward(undefined, { retainGraph: true });
    const first = values(x.grad!);
    // d/dx of 7.5 * x^2 = 15 x
    expect(first).toEqual([7.5, -15, 30]);
    loss.backward();
    expect(values(x.grad!)).toEqual(first.map((v) => 2 * v));
  });

  it('leaves no tensor behind', () => {
    const x = tensor(new Array(1500).fill(1), { requiresGrad: true });
    tidy(() => manyUses(x, 3).backward());
    x.grad!.dispose();
    x.grad = null;
    const before = memory().backends.cpu?.tensors ?? 0;
    for (let i = 0; i < 3; i++) {
      tidy(() => manyUses(x, 8).backward());
      x.grad!.dispose();
      x.grad = null;
    }
    expect(memory().backends.cpu?.tensors ?? 0).toBe(before);
  });
});
