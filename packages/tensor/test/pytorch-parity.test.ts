/**
 * PyTorch parity: every case of `fixtures/ops.json` (written by `fixtures/generate.py` with PyTorch in
 * float64; see `fixtures/README.md`) is run through @rnn/tensor on the CPU backend. The output and the
 * gradients of `sum(output * upstream)` with respect to each floating-point input must match.
 *
 * Each case runs twice:
 * - in float64, against the reference with rtol 1e-9 and atol 1e-10 (|actual - expected| <= atol + rtol * |expected|);
 * - in float32 (float inputs and upstream rounded to float32; int32 and bool inputs unchanged), against
 *   the same float64 reference with rtol 1e-4 and atol 1e-5.
 *
 * Fused ops (softmaxCrossEntropy, lstmCell) are checked both with the backend's fused kernel and as
 * composites (`withoutFusedKernels`). PyTorch is never needed here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  argmax,
  argmin,
  cat,
  chunk,
  clamp,
  clone,
  compare,
  type DType,
  div,
  exp,
  expand,
  flatten,
  flip,
  gather,
  indexCopy,
  indexSelect,
  linear,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSoftmax,
  logsumexp,
  lstmCell,
  maskedFill,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  narrow,
  neg,
  permute,
  pow,
  relu,
  reshape,
  select,
  sigmoid,
  sign,
  slice,
  softmax,
  softmaxCrossEntropy,
  split,
  sqrt,
  squeeze,
  stack,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  tidy,
  topk,
  transpose,
  unsqueeze,
  where,
  withoutFusedKernels,
} from '../src/index';

interface FixtureTensor {
  shape: number[];
  dtype: 'float64' | 'int32' | 'bool';
  data: number[];
}

interface FixtureCase {
  name: string;
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: arguments vary by op and come from JSON
  args: Record<string, any>;
  inputs: FixtureTensor[];
  output: FixtureTensor | FixtureTensor[];
  upstream: FixtureTensor | (FixtureTensor | null)[] | null;
  grads: (FixtureTensor | null)[];
}

interface Fixture {
  torch_version: string;
  cases: FixtureCase[];
}

/** JSON has no NaN or infinity; the generator writes them as these strings. */
const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8'),
  (_key, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v),
) as Fixture;

type Args = FixtureCase['args'];
type OpFn = (inputs: Tensor[], args: Args) => Tensor | Tensor[];

/** `b` is the second input, or the scalar `args.other` when there is only one input. */
const binary =
  (f: (a: Tensor, b: Tensor | number) => Tensor): OpFn =>
  ([a, b], args) =>
    f(a, b ?? (args.other as number));

const reduce =
  (f: (x: Tensor, axis?: number | number[], keepDim?: boolean) => Tensor): OpFn =>
  ([x], { axis, keepDim }) =>
    f(x, axis ?? undefined, keepDim ?? false);

const cmp = (op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'): OpFn => binary((a, b) => compare(op, a, b));

/** Maps each fixture `op` to the @rnn call under test. */
const OPS: Record<string, OpFn> = {
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div),
  pow: binary(pow),
  maximum: binary(maximum),
  minimum: binary(minimum),
  neg: ([x]) => neg(x),
  exp: ([x]) => exp(x),
  log: ([x]) => log(x),
  sqrt: ([x]) => sqrt(x),
  abs: ([x]) => abs(x),
  tanh: ([x]) => tanh(x),
  sigmoid: ([x]) => sigmoid(x),
  relu: ([x]) => relu(x),
  sign: ([x]) => sign(x),
  clamp: ([x], { min: lo, max: hi }) => clamp(x, lo, hi),
  where: ([cond, p, q], args) => {
    if (args.a !== undefined) return where(cond, args.a as number, p);
    if (args.b !== undefined) return where(cond, p, args.b as number);
    return where(cond, p, q);
  },
  maskedFill: ([x, mask], { value }) => maskedFill(x, mask, value),
  sum: reduce(sum),
  mean: reduce(mean),
  max: reduce(max),
  min: reduce(min),
  argmax: ([x], { axis, keepDim }) => argmax(x, axis, keepDim ?? false),
  argmin: ([x], { axis, keepDim }) => argmin(x, axis, keepDim ?? false),
  logsumexp: ([x], { axis, keepDim }) => logsumexp(x, axis, keepDim ?? false),
  matmul: ([a, b]) => matmul(a, b),
  linear: ([x, w, b]) => linear(x, w, b),
  reshape: ([x], { shape }) => reshape(x, shape),
  flatten: ([x], { startDim, endDim }) => flatten(x, startDim, endDim),
  permute: ([x], { dims }) => permute(x, dims),
  transpose: ([x], { dim0, dim1 }) => transpose(x, dim0, dim1),
  squeeze: ([x], { dim }) => squeeze(x, dim),
  unsqueeze: ([x], { dim }) => unsqueeze(x, dim),
  expand: ([x], { shape }) => expand(x, shape),
  slice: ([x], { dim, start, end, step }) => slice(x, dim, start, end, step ?? 1),
  narrow: ([x], { dim, start, length }) => narrow(x, dim, start, length),
  select: ([x], { dim, index }) => select(x, dim, index),
  flip: ([x], { dims }) => flip(x, dims),
  clone: ([x]) => clone(x),
  cat: (xs, { dim }) => cat(xs, dim),
  stack: (xs, { dim }) => stack(xs, dim),
  split: ([x], { splitSize, dim }) => split(x, splitSize, dim),
  chunk: ([x], { chunks, dim }) => chunk(x, chunks, dim),
  indexSelect: ([x, index], { dim }) => indexSelect(x, dim, index),
  gather: ([x, index], { dim }) => gather(x, dim, index),
  indexCopy: ([x, index, source], { dim }) => indexCopy(x, dim, index, source),
  topk: ([x], { k, dim, largest }) => {
    const r = topk(x, k, dim, { largest });
    return [r.values, r.indices];
  },
  softmax: ([x], { dim }) => softmax(x, dim),
  logSoftmax: ([x], { dim }) => logSoftmax(x, dim),
  softmaxCrossEntropy: ([logits, target]) => softmaxCrossEntropy(logits, target),
  lstmCell: ([gates, c]) => lstmCell(gates, c),
  eq: cmp('eq'),
  ne: cmp('ne'),
  lt: cmp('lt'),
  le: cmp('le'),
  gt: cmp('gt'),
  ge: cmp('ge'),
  logicalNot: ([x]) => logicalNot(x),
  logicalAnd: ([a, b]) => logicalAnd(a, b),
  logicalOr: ([a, b]) => logicalOr(a, b),
};

const FUSED = new Set(['softmaxCrossEntropy', 'lstmCell']);

interface Precision {
  dtype: 'float32' | 'float64';
  rtol: number;
  atol: number;
}

// float64 must agree with PyTorch's float64 to rounding error; float32 to single-precision accuracy.
const PRECISIONS: Precision[] = [
  { dtype: 'float64', rtol: 1e-9, atol: 1e-10 },
  { dtype: 'float32', rtol: 1e-4, atol: 1e-5 },
];

/** The @rnn dtype a fixture tensor becomes when floats run as `float`. */
function runDType(t: FixtureTensor, float: Precision['dtype']): DType {
  return t.dtype === 'float64' ? float : t.dtype;
}

function build(t: FixtureTensor, float: Precision['dtype']): Tensor {
  return tensor(t.data, { shape: t.shape, dtype: runDType(t, float) });
}

function expectMatches(what: string, actual: Tensor, expected: FixtureTensor, p: Precision): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${what}: dtype`).toBe(runDType(expected, p.dtype));
  const got = Array.from(actual.dataSync(), Number);
  if (expected.dtype !== 'float64') {
    expect(got, `${what}: values`).toEqual(expected.data);
    return;
  }
  let worst = -1;
  let worstExcess = 0;
  got.forEach((v, i) => {
    const e = expected.data[i];
    // NaN must match NaN and an infinity the same infinity; finite values within atol + rtol * |e|.
    const excess = Number.isFinite(e)
      ? Math.abs(v - e) - (p.atol + p.rtol * Math.abs(e))
      : Object.is(v, e) || (Number.isNaN(v) && Number.isNaN(e))
        ? 0
        : Number.POSITIVE_INFINITY;
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  });
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${got[worst]}, expected ${expected.data[worst]} ` +
        `(rtol ${p.rtol}, atol ${p.atol}, ${p.dtype})`,
    );
  }
}

function runCase(c: FixtureCase, p: Precision): void {
  tidy(() => {
    const inputs = c.inputs.map((t) => {
      const x = build(t, p.dtype);
      if (t.dtype === 'float64') x.requiresGrad = true;
      return x;
    });
    const out = OPS[c.op](inputs, c.args);
    const outs = Array.isArray(out) ? out : [out];
    const expectedOuts = Array.isArray(c.output) ? c.output : [c.output];
    const upstream = Array.isArray(c.upstream) ? c.upstream : [c.upstream];
    expect(outs.length, 'number of outputs').toBe(expectedOuts.length);
    outs.forEach((o, i) => {
      expectMatches(`output ${i}`, o, expectedOuts[i], p);
    });

    let loss: Tensor | null = null;
    for (let i = 0; i < outs.length; i++) {
      const w = upstream[i];
      if (!w) continue;
      const term = sum(mul(outs[i], build(w, p.dtype)));
      loss = loss ? add(loss, term) : term;
    }
    if (!loss) {
      expect(c.grads.every((g) => g === null)).toBe(true);
      return;
    }
    loss.backward();
    c.grads.forEach((g, i) => {
      if (!g) return;
      const grad = inputs[i].grad;
      if (grad) {
        expectMatches(`grad of input ${i}`, grad, g, p);
      } else {
        // No gradient reached the input: PyTorch's must then be all zeros.
        expect(
          g.data.every((v) => v === 0),
          `grad of input ${i}: missing, but PyTorch's is non-zero`,
        ).toBe(true);
      }
    });
  });
}

describe(`PyTorch parity (fixtures from torch ${fixture.torch_version})`, () => {
  it('has an @rnn op for every fixture op, and unique case names', () => {
    const missing = [...new Set(fixture.cases.map((c) => c.op))].filter((op) => !(op in OPS));
    expect(missing).toEqual([]);
    expect(new Set(fixture.cases.map((c) => c.name)).size).toBe(fixture.cases.length);
  });

  for (const p of PRECISIONS) {
    describe(p.dtype, () => {
      it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        runCase(c, p);
        if (FUSED.has(c.op)) withoutFusedKernels(() => runCase(c, p));
      });
    });
  }
});
