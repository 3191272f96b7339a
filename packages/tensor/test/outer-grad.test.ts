/**
 * Deferred weight gradients: the uses of one weight by `linear` (each `dW += dyᵀ · x`) are summed by
 * the engine as one product of their stacked rows when the gradient is needed. The values must be
 * those of the products summed one by one, for leaves and inner nodes, with an earlier `.grad`, with
 * other uses of the weight, past the memory limit where the terms are summed in parts, and without
 * leaving a tensor behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setOuterMaxElements } from '../src/autograd/backward';
import { linear, memory, randn, type Tensor, tensor, tidy } from '../src/index';

const limit = setOuterMaxElements(1 << 24);
afterEach(() => {
  setOuterMaxElements(limit);
});

const f64 = { dtype: 'float64' as const };

/** The weight's gradient as the sum of one backward per use (no deferral can span them). */
function oneByOne(w: Tensor, xs: Tensor[], gs: Tensor[], bias: Tensor | null): Float64Array {
  const total = new Float64Array(w.size);
  xs.forEach((x, k) => {
    const wk = tensor(w.dataSync(), { ...f64, shape: w.shape, requiresGrad: true });
    linear(x, wk, bias).mul(gs[k]).sum().backward();
    wk.grad!.dataSync().forEach((v, i) => {
      total[i] += v;
    });
  });
  return total;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 10);
}

describe('deferred outer-product gradients (linear weights used many times)', () => {
  // rows per use: several, one, none, and a 3-D input (leading dimensions flattened)
  const shapes = [
    [5, 4],
    [1, 4],
    [0, 4],
    [2, 3, 4],
  ];

  it('sums the uses of a leaf weight as the separate products would', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const b = randn([3], { ...f64, requiresGrad: true });
    const xs = shapes.map((s) => randn(s, f64));
    const gs = xs.map((x) => randn([...x.shape.slice(0, -1), 3], f64));
    let loss = tensor(0, f64);
    xs.forEach((x, k) => {
      loss = loss.add(linear(x, w, b).mul(gs[k]).sum());
    });
    loss.backward();
    expectClose(w.grad!.dataSync(), oneByOne(w, xs, gs, b));
  });

  it('gives a weight used once, with no rows, a zero gradient of its shape', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    linear(randn([0, 4], f64), w)
      .sum()
      .add(w.sum().mul(0))
      .backward();
    expect(w.grad!.shape).toEqual([3, 4]);
    expect(Array.from(w.grad!.dataSync())).toEqual(new Array(12).fill(0));
    const v = randn([3, 4], { ...f64, requiresGrad: true });
    linear(randn([0, 4], f64), v)
      .sum()
      .backward(); // its only gradient: the deferred term
    expect(v.grad!.shape).toEqual([3, 4]);
    expect(Array.from(v.grad!.dataSync())).toEqual(new Array(12).fill(0));
  });

  it('adds to an earlier .grad and to the gradients of other uses of the weight', () => {
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    const xs = [randn([6, 4], f64), randn([2, 4], f64)];
    const gs = [randn([6, 3], f64), randn([2, 3], f64)];
    const run = () =>
      linear(xs[0], w).mul(gs[0]).sum().add(linear(xs[1], w).mul(gs[1]).sum()).add(w.mul(w).sum());
    run().backward();
    run().backward(); // a second pass accumulates onto the first one's .grad
    const want = oneByOne(w, xs, gs, null).map((v, i) => 2 * (v + 2 * w.dataSync()[i]));
    expectClose(w.grad!.dataSync(), want);
  });

  it('settles an inner weight before its own node runs (a weight computed from a leaf)', () => {
    const p = randn([3, 4], { ...f64, requiresGrad: true });
    const w = p.mul(3); // inner node used by three linears
    const xs = [randn([4, 4], f64), randn([7, 4], f64), randn([1, 4], f64)];
    const gs = xs.map((x) => randn([x.shape[0], 3], f64));
    let loss = tensor(0, f64);
    xs.forEach((x, k) => {
      loss = loss.add(linear(x, w).mul(gs[k]).sum());
    });
    loss.backward();
    expectClose(
      p.grad!.dataSync(),
      oneByOne(w.detach(), xs, gs, null).map((v) => 3 * v),
    );
  });

  it('sums the terms in parts past the memory limit, with the same values', () => {
    setOuterMaxElements(40); // every term holds 4·(3 + 4) = 28 elements: a partial sum every 2 uses
    const w = randn([3, 4], { ...f64, requiresGrad: true });
    // 5 uses end with one term left over, 4 with every term already in the partial sums
    for (const uses of [5, 4]) {
      w.grad = null;
      const xs = Array.from({ length: uses }, () => randn([4, 4], f64));
      const gs = xs.map(() => randn([4, 3], f64));
      let loss = tensor(0, f64);
      xs.forEach((x, k) => {
        loss = loss.add(linear(x, w).mul(gs[k]).sum());
      });
      loss.backward();
      expectClose(w.grad!.dataSync(), oneByOne(w, xs, gs, null));
    }
  });

  it('leaves no tensor behind: only the gradients stay', () => {
    const w = randn([8, 16], { requiresGrad: true });
    const b = randn([8], { requiresGrad: true });
    const xs = Array.from({ length: 6 }, (_, k) => randn([k + 1, 16]));
    const before = memory().tensors;
    tidy(() => {
      let loss = tensor(0);
      for (const x of xs) loss = loss.add(linear(x, w, b).tanh().sum());
      loss.backward();
    });
    expect(memory().tensors - before).toBe(2); // w.grad and b.grad
  });
});
