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

  describe('indexSelect gradients added straight into the sum', () => {
    const idx = (xs: number[]) => tensor(Int32Array.from(xs), { dtype: 'int32' });
    /** Rows of `x` picked many times (with repeats), weighted, plus one dense use: d/dx by hand. */
    function gathers(x: Tensor, rows: number) {
      const picks = [[0, 2, 2], [1], [rows - 1, 0, rows - 1, 0], [2, 1], [0]];
      const loss = picks
        .map((p, k) =>
          x
            .indexSelect(0, idx(p))
            .mul(k + 1)
            .sum(),
        )
        .reduce((a, b) => a.add(b))
        .add(x.mul(0.5).sum());
      const want = new Array<number>(rows).fill(0.5);
      picks.forEach((p, k) => {
        for (const r of p) want[r] += k + 1;
      });
      return { loss, want };
    }

    for (const [label, cols] of [
      ['small rows (JavaScript loop)', 3],
      ['long rows (native kernel when loaded)', 700],
    ] as const) {
      it(`sums repeated scatters into a leaf and into an inner node: ${label}`, () => {
        const rows = 5;
        const leafA = tensor(new Array(rows * cols).fill(1), { requiresGrad: true });
        const leafB = tensor(new Array(rows * cols).fill(1), { requiresGrad: true });
        const a = gathers(leafA.reshape([rows, cols]), rows); // a leaf's gradient (through reshape)
        const b = gathers(leafB.reshape([rows, cols]).mul(2), rows); // an inner node's
        a.loss.add(b.loss).backward();
        const expand = (w: number[], k: number) => w.flatMap((v) => new Array(cols).fill(v * k));
        expect(values(leafA.grad!)).toEqual(expand(a.want, 1));
        expect(values(leafB.grad!)).toEqual(expand(b.want, 2));
      });
    }

    it('matches the dense path (zeros, scatter, add) exactly', () => {
      const x = tensor(
        Array.from({ length: 40 }, (_, i) => i / 8 - 2),
        { requiresGrad: true },
      );
      const run = () => {
        const m = x.reshape([10, 4]);
        return [[1, 3, 3], [9], [0, 1, 2, 3], [3]]
          .map((p, k) =>
            m
              .indexSelect(0, idx(p))
              .tanh()
              .mul(k - 1.5)
              .sum(),
          )
          .reduce((a, b) => a.add(b));
      };
      run().backward();
      const fast = values(x.grad!);
      x.grad = null;
      // a clone of x used once per gather: every gradient arrives dense, summed out of place
      const m = x.reshape([10, 4]);
      [[1, 3, 3], [9], [0, 1, 2, 3], [3]]
        .map((p, k) =>
          m
            .mul(1)
            .indexSelect(0, idx(p))
            .tanh()
            .mul(k - 1.5)
            .sum(),
        )
        .reduce((a, b) => a.add(b))
        .backward();
      const dense = values(x.grad!);
      fast.forEach((v, i) => {
        expect(v).toBeCloseTo(dense[i], 6);
      });
    });

    it("never writes into a .grad from an earlier backward() (the user's)", () => {
      const x = tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
      const once = () =>
        x
          .reshape([3, 2])
          .indexSelect(0, idx([0, 2]))
          .sum()
          .add(
            x
              .reshape([3, 2])
              .indexSelect(0, idx([2]))
              .sum(),
          );
      once().backward();
      const held = x.grad!;
      const heldValues = values(held);
      expect(heldValues).toEqual([1, 1, 0, 0, 2, 2]);
      once().backward();
      if (!held.isDisposed) expect(values(held)).toEqual(heldValues);
      expect(x.grad).not.toBe(held);
      expect(values(x.grad!)).toEqual([2, 2, 0, 0, 4, 4]);
    });

    it('leaves no tensor behind', () => {
      const x = tensor(new Array(3000).fill(1), { requiresGrad: true });
      const step = () =>
        tidy(() => {
          const m = x.reshape([3, 1000]);
          [[0], [1, 1], [2, 0], [0]]
            .map((p) => m.indexSelect(0, idx(p)).sum())
            .reduce((a, b) => a.add(b))
            .backward();
        });
      step();
      x.grad!.dispose();
      x.grad = null;
      const before = memory().backends.cpu?.tensors ?? 0;
      for (let i = 0; i < 3; i++) {
        step();
        expect(values(x.grad!).slice(0, 2)).toEqual([3, 3]); // row 0 picked three times
        x.grad!.dispose();
        x.grad = null;
      }
      expect(memory().backends.cpu?.tensors ?? 0).toBe(before);
    });
  });

  it('adds slice, narrow and chunk gradients straight into the sum (any axis, any step)', () => {
    const [r, c] = [4, 600];
    const x = tensor(new Array(r * c).fill(1), { requiresGrad: true });
    const m = x.reshape([r, c]).mul(1); // an inner node: its gradient is an engine-owned sum
    const parts = m.chunk(5, 1); // five [4, 120] column blocks
    const loss = parts
      .map((p, k) => p.mul(k + 1).sum())
      .reduce((a, b) => a.add(b))
      .add(m.slice(0, 1, 4, 2).mul(10).sum()) // rows 1 and 3
      .add(m.narrow(1, 100, 50).mul(100).sum()) // columns 100..149, across two chunks
      .add(m.slice(1, 0, c, 3).sum()); // every third column
    loss.backward();
    const want: number[] = [];
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) {
        let v = Math.floor(j / 120) + 1;
        if (i % 2 === 1) v += 10;
        if (j >= 100 && j < 150) v += 100;
        if (j % 3 === 0) v += 1;
        want.push(v);
      }
    }
    expect(values(x.grad!)).toEqual(want);
  });
});
