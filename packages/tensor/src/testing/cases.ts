/**
 * @internal The table of public-op cases shared by the forward checks (backend vs CPU) and the gradient
 * checks (autograd vs finite differences). Inputs are host data drawn per case name; every case marked
 * `grad` keeps its inputs away from non-differentiable points (ties, |x| near 0, relu at 0, clamp bounds).
 */
import type { Backend } from '../backend/backend';
import type { DType } from '../dtype';
import { arange, eye, full, fullLike, ones, onesLike, tensor, zeros, zerosLike } from '../ops/creation';
import {
  abs,
  add,
  cast,
  clamp,
  compare,
  div,
  exp,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  maskedFill,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sign,
  sqrt,
  sub,
  tanh,
  where,
} from '../ops/elementwise';
import { lstmCell, lstmCellOp, runFused, softmaxCrossEntropy, withoutFusedKernels } from '../ops/fused';
import { gather, indexCopy, indexSelect } from '../ops/indexing';
import { layerNorm } from '../ops/layer-norm';
import { linear } from '../ops/linear';
import { matmul } from '../ops/matmul';
import { multinomial } from '../ops/multinomial';
import { dropout, rand, randint, randLike, randn, randnLike } from '../ops/random';
import { argmax, argmin, logsumexp, max, mean, min, sum, sumToShape } from '../ops/reduce';
import { type RnnMode, rnnLayer } from '../ops/rnn-layer';
import {
  cat,
  chunk,
  clone,
  expand,
  flatten,
  flip,
  narrow,
  permute,
  reshape,
  select,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from '../ops/shape';
import { logSoftmax, softmax } from '../ops/softmax';
import { topk } from '../ops/topk';
import { Generator } from '../random/generator';
import type { Tensor } from '../tensor';
import { HostRng, type InputSpec, spec } from './host';

/** @internal What a case function may use besides its inputs. */
export interface CaseEnv {
  /** The backend the inputs are on (creation ops use it). */
  readonly backend: Backend;
  /** The float dtype the case runs in. */
  readonly float: DType;
}

/** @internal One public-op case. */
export interface OpCase {
  readonly name: string;
  readonly inputs: (r: HostRng) => InputSpec[];
  readonly fn: (xs: Tensor[], env: CaseEnv) => Tensor | readonly Tensor[];
  /** Also checked by gradcheck (with these overrides of the suite's eps and tolerances). */
  readonly grad?: true | { eps?: number; atol?: number; rtol?: number };
  /** Uses float64 whatever the case dtype (skipped on backends without float64). */
  readonly needsFloat64?: boolean;
  /** Outputs are normal random numbers: compared with the `randomNormal` tolerance. */
  readonly normal?: boolean;
}

const F = spec.float;
const I = spec.int;
const B = spec.bool;
const n = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Uniform floats in [lo, hi). */
const u = (r: HostRng, shape: number[], lo = -2, hi = 2) => F(shape, r.uniform(n(shape), lo, hi));
/** Floats with no ties (for max/min and friends). */
const d = (r: HostRng, shape: number[], lo = -2, hi = 2) => F(shape, r.distinct(n(shape), lo, hi));
/** Floats with |x| in [0.2, 1.5]. */
const away = (r: HostRng, shape: number[]) => F(shape, r.awayFromZero(n(shape)));
/** Positive floats. */
const pos = (r: HostRng, shape: number[], lo = 0.5, hi = 2) => F(shape, r.uniform(n(shape), lo, hi));
/** Small floats with many ties (for forward-only checks of comparisons and arg-reductions). */
const ties = (r: HostRng, shape: number[]) =>
  F(
    shape,
    r.ints(n(shape), -2, 3).map((v) => v / 2),
  );
const ints = (r: HostRng, shape: number[], lo: number, hi: number) => I(shape, r.ints(n(shape), lo, hi));
const bools = (r: HostRng, shape: number[]) => B(shape, r.ints(n(shape), 0, 2));

/** Sizes of an `rnnLayer` case. */
interface RnnCaseSizes {
  mode: RnnMode;
  batchSizes: number[];
  inputSize: number;
  hidden: number;
  bias: boolean;
  reverse?: boolean;
  /** LSTM projection size. */
  proj?: number;
}

/** An `rnnLayer` case: inputs in the fused op's order, outputs `[y, hN, cN?]`. */
function rnnLayerCase(name: string, z: RnnCaseSizes): OpCase {
  const g = z.mode === 'lstm' ? 4 : z.mode === 'gru' ? 3 : 1;
  const hOut = z.proj ?? z.hidden;
  const rows = z.batchSizes.reduce((a, b) => a + b, 0);
  const batch = z.batchSizes[0];
  return {
    name,
    grad: true,
    inputs: (r) => {
      const w = (shape: number[]) => u(r, shape, -0.7, 0.7);
      const list = [u(r, [rows, z.inputSize], -1.5, 1.5), u(r, [batch, hOut])];
      if (z.mode === 'lstm') list.push(u(r, [batch, z.hidden]));
      list.push(w([g * z.hidden, z.inputSize]), w([g * z.hidden, hOut]));
      if (z.bias) list.push(w([g * z.hidden]), w([g * z.hidden]));
      if (z.proj) list.push(w([z.proj, z.hidden]));
      return list;
    },
    fn: (xs) => {
      const it = xs[Symbol.iterator]();
      const next = () => it.next().value as Tensor;
      const x = next();
      const h0 = next();
      const c0 = z.mode === 'lstm' ? next() : undefined;
      const wIh = next();
      const wHh = next();
      const bIh = z.bias ? next() : undefined;
      const bHh = z.bias ? next() : undefined;
      const wHr = z.proj ? next() : undefined;
      const out = rnnLayer(
        { x, h0, c0, wIh, wHh, bIh, bHh, wHr },
        { mode: z.mode, batchSizes: z.batchSizes, reverse: z.reverse },
      );
      return out.cN ? [out.y, out.hN, out.cN] : [out.y, out.hN];
    },
  };
}

/** @internal `rnnLayer` cases (a fused op): every mode, packed batches, both directions, bias, projection. */
export const RNN_LAYER_CASES: readonly OpCase[] = [
  rnnLayerCase('rnnLayer lstm, packed, with bias', {
    mode: 'lstm',
    batchSizes: [3, 2, 2, 1],
    inputSize: 2,
    hidden: 2,
    bias: true,
  }),
  rnnLayerCase('rnnLayer lstm, reverse, projection, no bias', {
    mode: 'lstm',
    batchSizes: [2, 2, 1],
    inputSize: 2,
    hidden: 3,
    proj: 2,
    bias: false,
    reverse: true,
  }),
  rnnLayerCase('rnnLayer gru, packed, with bias', {
    mode: 'gru',
    batchSizes: [3, 2, 1],
    inputSize: 2,
    hidden: 2,
    bias: true,
  }),
  rnnLayerCase('rnnLayer gru, reverse, no bias', {
    mode: 'gru',
    batchSizes: [2, 1, 1],
    inputSize: 3,
    hidden: 2,
    bias: false,
    reverse: true,
  }),
  rnnLayerCase('rnnLayer rnn_tanh, packed, with bias', {
    mode: 'rnn_tanh',
    batchSizes: [2, 2, 1],
    inputSize: 2,
    hidden: 3,
    bias: true,
  }),
  rnnLayerCase('rnnLayer rnn_relu, reverse, with bias', {
    mode: 'rnn_relu',
    batchSizes: [3, 1],
    inputSize: 2,
    hidden: 2,
    bias: true,
    reverse: true,
  }),
];

/** @internal Every public op of `@rnn/tensor`, as cases. */
export const OP_CASES: readonly OpCase[] = [
  // ---------------------------------------------------------------- creation
  {
    name: 'tensor (nested arrays and typed arrays, every dtype)',
    inputs: () => [],
    fn: (_, { backend, float }) => [
      tensor(
        [
          [1.5, -2],
          [3, 4.25],
        ],
        { backend, dtype: float },
      ),
      tensor([1, -2, 3], { backend, dtype: 'int32' }),
      tensor([true, false, true], { backend }),
      tensor(new Int32Array([5, 6, 7, 8]), { backend, shape: [2, 2] }),
      tensor(2.5, { backend, dtype: float }),
    ],
  },
  {
    name: 'zeros / ones / full',
    inputs: () => [],
    fn: (_, { backend, float }) => [
      zeros([2, 3], { backend, dtype: float }),
      ones([4], { backend, dtype: 'int32' }),
      full([2, 2], -1.5, { backend, dtype: float }),
      full([], 7, { backend, dtype: 'int32' }),
      full([3], 1, { backend, dtype: 'bool' }),
    ],
  },
  {
    name: 'arange / eye',
    inputs: () => [],
    fn: (_, { backend, float }) => [
      arange(5, undefined, 1, { backend }),
      arange(1, 2, 0.25, { backend, dtype: float }),
      arange(10, 0, -3, { backend }),
      eye(3, undefined, { backend }),
      eye(2, 4, { backend, dtype: float }),
    ],
  },
  {
    name: 'zerosLike / onesLike / fullLike',
    inputs: (r) => [u(r, [2, 3]), ints(r, [3], 0, 5)],
    fn: ([x, i]) => [
      zerosLike(x),
      onesLike(x),
      fullLike(x, 2.5),
      x.fullLike(-1),
      onesLike(i),
      zerosLike(x, { dtype: 'bool' }),
    ],
  },
  {
    name: 'rand / randLike / randint (seeded generator)',
    inputs: (r) => [u(r, [3, 2])],
    fn: ([x], { backend, float }) => [
      rand([3, 5], { backend, dtype: float, generator: new Generator(11) }),
      randLike(x, { generator: new Generator(12) }),
      randint(-3, 4, [50], { backend, generator: new Generator(13) }),
    ],
  },
  {
    name: 'randn / randnLike (seeded generator)',
    normal: true,
    inputs: (r) => [u(r, [3, 2])],
    fn: ([x], { backend, float }) => [
      randn([3, 5], { backend, dtype: float, generator: new Generator(21) }),
      randnLike(x, { generator: new Generator(22) }),
    ],
  },
  {
    name: 'dropout (seeded generator; p = 0.4, eval mode, p = 0, p = 1)',
    inputs: (r) => [u(r, [4, 5])],
    fn: ([x]) => [
      dropout(x, 0.4, true, new Generator(5)),
      x.dropout(0.3, false),
      dropout(x, 0, true, new Generator(5)),
      dropout(x, 1, true, new Generator(5)),
    ],
  },
  {
    name: 'dropout backward (fixed mask)',
    grad: true,
    inputs: (r) => [u(r, [3, 5])],
    fn: ([x]) => dropout(x.mul(1.5), 0.4, true, new Generator(5)),
  },

  // ---------------------------------------------------------------- binary arithmetic
  {
    name: 'add with trailing broadcast [2, 3] + [3]',
    grad: true,
    inputs: (r) => [u(r, [2, 3]), u(r, [3])],
    fn: ([a, b]) => add(a, b),
  },
  {
    name: 'add with middle-dim broadcast [2, 3, 2] + [2, 1, 2]',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 2]), u(r, [2, 1, 2])],
    fn: ([a, b]) => add(a, b),
  },
  {
    name: 'add with a 0-d tensor and a number',
    grad: true,
    inputs: (r) => [u(r, [2, 3]), u(r, [])],
    fn: ([a, b]) => [add(a, b), add(b, a), a.add(2.5)],
  },
  {
    name: 'add / sub / mul with type promotion (int32 and bool operands)',
    inputs: (r) => [u(r, [2, 3]), ints(r, [2, 3], -5, 6), bools(r, [3]), bools(r, [2, 3])],
    fn: ([f, i, b1, b2]) => [
      add(i, f),
      add(i, i),
      sub(i, 2),
      mul(i, 1.5),
      add(b1, b2),
      mul(f, b1),
      add(i, b1),
    ],
  },
  {
    name: 'sub with two-sided broadcast [2, 1, 3] - [4, 1]',
    grad: true,
    inputs: (r) => [u(r, [2, 1, 3]), u(r, [4, 1])],
    fn: ([a, b]) => sub(a, b),
  },
  {
    name: 'mul with broadcast and a number',
    grad: true,
    inputs: (r) => [u(r, [2, 3]), u(r, [2, 1])],
    fn: ([a, b]) => [mul(a, b), a.mul(-1.5)],
  },
  {
    name: 'div with broadcast and numbers',
    grad: true,
    inputs: (r) => [u(r, [2, 3]), away(r, [3])],
    fn: ([a, b]) => [div(a, b), div(a, 4), b.div(-0.5)],
  },
  {
    name: 'div of int32 tensors gives float32',
    inputs: (r) => [ints(r, [2, 3], -6, 7), I([3], [2, -3, 4])],
    fn: ([a, b]) => [div(a, b), div(a, 2)],
  },
  {
    name: 'pow with a tensor exponent',
    grad: true,
    inputs: (r) => [pos(r, [2, 3]), u(r, [2, 3], -1.5, 2)],
    fn: ([a, b]) => pow(a, b),
  },
  {
    name: 'pow with number exponents (negative bases with integer exponents)',
    grad: true,
    inputs: (r) => [away(r, [2, 3]), pos(r, [3])],
    fn: ([a, p]) => [pow(a, 2), a.pow(3), p.pow(0.5), p.pow(-1.5), a.square()],
  },
  {
    name: 'maximum / minimum with broadcast (no ties)',
    grad: true,
    inputs: (r) => {
      const v = r.distinct(9);
      return [F([2, 3], v.slice(0, 6)), F([3], v.slice(6))];
    },
    // distinct(9) over [-2, 2] leaves gaps around -2 + 4j/9, where the number operands sit.
    fn: ([a, b]) => [maximum(a, b), minimum(a, b), a.maximum(2 / 9), a.minimum(-2 / 9)],
  },
  {
    name: 'maximum / minimum with ties (forward)',
    inputs: (r) => [ties(r, [3, 4]), ties(r, [4]), ints(r, [3, 4], -2, 3)],
    fn: ([a, b, i]) => [maximum(a, b), minimum(a, b), maximum(i, 0), minimum(i, i)],
  },

  // ---------------------------------------------------------------- unary
  { name: 'neg', grad: true, inputs: (r) => [u(r, [2, 3])], fn: ([x]) => [neg(x), x.neg()] },
  { name: 'exp', grad: true, inputs: (r) => [u(r, [2, 3])], fn: ([x]) => exp(x) },
  { name: 'log', grad: true, inputs: (r) => [pos(r, [2, 3], 0.2, 3)], fn: ([x]) => log(x) },
  { name: 'sqrt', grad: true, inputs: (r) => [pos(r, [2, 3], 0.2, 3)], fn: ([x]) => sqrt(x) },
  { name: 'abs (away from 0)', grad: true, inputs: (r) => [away(r, [2, 3])], fn: ([x]) => abs(x) },
  { name: 'tanh', grad: true, inputs: (r) => [u(r, [2, 3], -3, 3)], fn: ([x]) => tanh(x) },
  { name: 'sigmoid', grad: true, inputs: (r) => [u(r, [2, 4], -6, 6)], fn: ([x]) => sigmoid(x) },
  { name: 'relu (away from 0)', grad: true, inputs: (r) => [away(r, [2, 4])], fn: ([x]) => relu(x) },
  {
    name: 'sign / abs / neg / relu of int32 and float (with zeros)',
    inputs: (r) => [ints(r, [2, 4], -3, 4), F([5], [-1.5, 0, 2, -0.25, 0])],
    fn: ([i, f]) => [sign(i), abs(i), neg(i), relu(i), sign(f), relu(f), exp(i), tanh(i)],
  },
  {
    name: 'clamp (both bounds, one bound)',
    grad: true,
    // distinct(12) over [-2, 2] leaves gaps around -2 + j/3: the bounds sit in those gaps.
    inputs: (r) => [F([3, 4], r.distinct(12))],
    fn: ([x]) => [clamp(x, -1, 2 / 3), clamp(x, null, 1 / 3), x.clamp(-4 / 3)],
  },
  {
    name: 'clamp of int32',
    inputs: (r) => [ints(r, [3, 4], -5, 6)],
    fn: ([i]) => [clamp(i, -2, 3), clamp(i, 0)],
  },

  // ---------------------------------------------------------------- comparisons and selection
  {
    name: 'compare (eq ne lt le gt ge) with ties and broadcasting',
    inputs: (r) => [ties(r, [3, 4]), ties(r, [4]), ints(r, [3, 4], -2, 3)],
    fn: ([a, b, i]) => [
      compare('eq', a, b),
      compare('ne', a, b),
      a.lt(b),
      a.le(b),
      a.gt(0),
      a.ge(0.5),
      i.eq(a),
      i.lt(1),
    ],
  },
  {
    name: 'logicalNot / logicalAnd / logicalOr',
    inputs: (r) => [bools(r, [2, 3]), bools(r, [3]), ties(r, [2, 3])],
    fn: ([a, b, f]) => [logicalNot(a), logicalAnd(a, b), logicalOr(a, b), logicalNot(f), a.logicalAnd(f)],
  },
  {
    name: 'where with tensors and broadcasting',
    grad: true,
    inputs: (r) => [bools(r, [2, 3]), u(r, [2, 3]), u(r, [3])],
    fn: ([c, a, b]) => where(c, a, b),
  },
  {
    name: 'where with number branches',
    grad: true,
    inputs: (r) => [bools(r, [2, 1, 3]), u(r, [2, 2, 3])],
    fn: ([c, x]) => [where(c, 0.5, x), where(c, x, -1), where(c, 1, 0)],
  },
  {
    name: 'maskedFill with a broadcast mask',
    grad: true,
    inputs: (r) => [u(r, [2, 3]), B([3], [1, 0, 1])],
    fn: ([x, m]) => [maskedFill(x, m, -7), x.maskedFill(m, Number.NEGATIVE_INFINITY).exp()],
  },

  // ---------------------------------------------------------------- dtype conversion
  {
    name: 'cast between float32, int32 and bool',
    inputs: () => [
      spec.of('float32', [2, 4], [-2.75, -1, -0.5, 0, 0.25, 1, 2.5, 100.5]),
      I([2, 4], [-3, -1, 0, 1, 2, 7, 1000, 16777217]),
      B([2, 4], [0, 1, 1, 0, 1, 0, 0, 1]),
    ],
    fn: ([f, i, b]) => [f.int(), f.bool(), i.float(), i.bool(), b.float(), b.int(), cast(f, 'float32')],
  },
  {
    name: 'cast to and from float64',
    needsFloat64: true,
    inputs: () => [
      spec.of('float32', [4], [-2.75, 0.1, 3, 1e6]),
      spec.of('float64', [4], [-2.75, 0.1, 3.3, 1e6]),
      I([4], [-3, 0, 5, 2147483647]),
      B([4], [0, 1, 1, 0]),
    ],
    fn: ([f, g, i, b]) => [f.double(), g.float(), g.int(), g.bool(), i.double(), b.double()],
  },
  {
    name: 'cast float64 -> float32 -> float64 backward',
    needsFloat64: true,
    grad: { eps: 1e-2, atol: 1e-4, rtol: 1e-4 },
    inputs: (r) => [spec.of('float64', [2, 3], r.uniform(6, -1, 1))],
    fn: ([x]) => x.float().mul(3).double(),
  },
  {
    name: 'cast float32 -> float64 backward',
    needsFloat64: true,
    grad: { eps: 1e-2, atol: 1e-4, rtol: 1e-4 },
    inputs: (r) => [spec.of('float32', [2, 3], r.uniform(6, -1, 1))],
    fn: ([x]) => x.double().mul(x.double()).add(x.asType('float64')),
  },

  // ---------------------------------------------------------------- reductions
  {
    name: 'sum over all axes, one axis, keepDim, non-contiguous axes',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4])],
    fn: ([x]) => [sum(x), x.sum(1), x.sum(-1, true), sum(x, [0, 2]), x.sum([0, 1], true)],
  },
  {
    name: 'sum of bool and int32',
    inputs: (r) => [bools(r, [3, 4]), ints(r, [3, 4], -9, 10)],
    fn: ([b, i]) => [sum(b), b.sum(1), sum(i), i.sum(0, true)],
  },
  {
    name: 'mean',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4])],
    fn: ([x]) => [mean(x), x.mean(1), x.mean([0, 2], true)],
  },
  {
    name: 'max (no ties)',
    grad: true,
    inputs: (r) => [d(r, [2, 3, 4])],
    fn: ([x]) => [max(x), x.max(1), x.max([0, 2], true), x.max(-1)],
  },
  {
    name: 'min (no ties)',
    grad: true,
    inputs: (r) => [d(r, [2, 3, 4])],
    fn: ([x]) => [min(x), x.min(0), x.min([1, 2]), x.min(-1, true)],
  },
  {
    name: 'max / min with ties and of int32 (forward)',
    inputs: (r) => [ties(r, [3, 4]), ints(r, [3, 4], -3, 4)],
    fn: ([x, i]) => [x.max(1), x.min(0), max(i), i.min(1)],
  },
  {
    name: 'argmax / argmin (first index on ties)',
    inputs: (r) => [ties(r, [3, 4, 2]), ints(r, [5, 3], -2, 3)],
    fn: ([x, i]) => [
      argmax(x),
      x.argmax(1),
      x.argmin(0, true),
      argmin(x),
      x.argmax(-1),
      i.argmax(0),
      i.argmin(1),
    ],
  },
  {
    name: 'logsumexp',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4], -3, 3)],
    fn: ([x]) => [logsumexp(x, 1), x.logsumexp([0, 2], true), x.logsumexp(-1)],
  },
  {
    name: 'logsumexp with large and -Infinity entries',
    inputs: () => [F([3, 3], [1000, 1001, 999, -Infinity, 0, 1, -Infinity, -Infinity, -Infinity])],
    fn: ([x]) => [x.logsumexp(1), x.logsumexp(0)],
  },
  {
    name: 'sumToShape',
    inputs: (r) => [u(r, [2, 3, 4])],
    fn: ([g]) => [sumToShape(g, [3, 1]), sumToShape(g, [2, 1, 4]), sumToShape(g, [])],
  },

  // ---------------------------------------------------------------- matmul
  {
    name: 'matmul 2-D',
    grad: true,
    inputs: (r) => [u(r, [3, 4]), u(r, [4, 5])],
    fn: ([a, b]) => matmul(a, b),
  },
  {
    name: 'matmul with vectors',
    grad: true,
    inputs: (r) => [u(r, [4]), u(r, [4, 3]), u(r, [2, 4])],
    fn: ([v, m, w]) => [matmul(v, m), matmul(w, v), matmul(v, v)],
  },
  {
    name: 'matmul batched with batch broadcast [2, 1, 3, 4] @ [3, 4, 2]',
    grad: true,
    inputs: (r) => [u(r, [2, 1, 3, 4]), u(r, [3, 4, 2])],
    fn: ([a, b]) => matmul(a, b),
  },
  {
    name: 'matmul [B, m, k] @ [k, n] and [m, k] @ [B, k, n]',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4]), u(r, [4, 2]), u(r, [3, 4]), u(r, [2, 4, 2])],
    fn: ([a, b, c, e]) => [matmul(a, b), c.matmul(e)],
  },
  {
    name: 'matmul of int32 and odd sizes',
    inputs: (r) => [ints(r, [3, 5], -4, 5), ints(r, [5, 2], -4, 5), u(r, [5, 7]), u(r, [2, 7, 3])],
    fn: ([a, b, c, e]) => [matmul(a, b), matmul(c, e)],
  },

  {
    name: 'linear [2, 3, 4] x [5, 4] + [5], 2-D, 1-D and without bias',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4]), u(r, [5, 4]), u(r, [5]), u(r, [3, 4]), u(r, [4])],
    fn: ([x, w, b, x2, v]) => [linear(x, w, b), linear(x2, w, b), linear(v, w, b), linear(x2, w)],
  },
  {
    name: 'linear with odd sizes and a shared weight',
    grad: true,
    inputs: (r) => [u(r, [7, 9]), u(r, [3, 9]), u(r, [3]), u(r, [1, 2, 9])],
    fn: ([x, w, b, y]) => [linear(x, w, b), linear(y, w, b).mul(linear(y, w))],
  },
  {
    name: 'linear of int32',
    inputs: (r) => [ints(r, [3, 5], -4, 5), ints(r, [2, 5], -4, 5), ints(r, [2], -4, 5)],
    fn: ([x, w, b]) => [linear(x, w, b), linear(x, w)],
  },

  // ---------------------------------------------------------------- shape
  {
    name: 'reshape / view / flatten',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4])],
    fn: ([x]) => [reshape(x, [6, 4]), x.reshape([-1, 2]).mul(2), x.view([4, 6]), flatten(x), x.flatten(1)],
  },
  {
    name: 'permute / transpose / t',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4]), u(r, [3, 2])],
    fn: ([x, m]) => [permute(x, [2, 0, 1]), transpose(x, 0, 2), x.transpose(-1, 1), m.t()],
  },
  {
    name: 'squeeze / unsqueeze',
    grad: true,
    inputs: (r) => [u(r, [2, 1, 3, 1])],
    fn: ([x]) => [squeeze(x), x.squeeze(1), unsqueeze(x, 0), x.unsqueeze(-1).mul(3)],
  },
  {
    name: 'expand / expandAs',
    grad: true,
    inputs: (r) => [u(r, [3, 1]), u(r, [2, 3, 4])],
    fn: ([x, y]) => [expand(x, [2, 3, 4]), x.expand([-1, 2]), x.expandAs(y).mul(y)],
  },
  {
    name: 'slice (steps, negative and omitted bounds) / narrow / select',
    grad: true,
    inputs: (r) => [u(r, [5, 4])],
    fn: ([x]) => [
      slice(x, 0, 1, 5, 2),
      x.slice(1, -3),
      x.slice(0, undefined, undefined, 3),
      narrow(x, 1, 1, 2),
      select(x, 0, -1),
      x.select(1, 2),
    ],
  },
  {
    name: 'flip',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 2])],
    fn: ([x]) => [flip(x, 0), x.flip([0, 2]), x.flip(-1)],
  },
  {
    name: 'cat / stack',
    grad: true,
    inputs: (r) => [u(r, [2, 1, 3]), u(r, [2, 2, 3]), u(r, [2, 1, 3])],
    fn: ([a, b, c]) => [cat([a, b, c], 1), cat([a, c], 0), stack([a, c]), stack([a, c], -1)],
  },
  {
    name: 'cat with dtype promotion',
    inputs: (r) => [ints(r, [2, 2], -3, 4), u(r, [2, 3]), bools(r, [2, 1])],
    fn: ([i, f, b]) => [cat([i, f], 1), cat([b, i], 1)],
  },
  {
    name: 'split / chunk',
    grad: true,
    inputs: (r) => [u(r, [5, 3])],
    fn: ([x]) => [...split(x, 2), ...x.split([1, 4], 0), ...chunk(x, 3, 1), ...x.chunk(2)],
  },
  {
    name: 'assign (in-place data replacement, as optimizers do)',
    inputs: (r) => [u(r, [2, 3]), u(r, [2, 3])],
    fn: ([x, y]) => {
      const p = zerosLike(x);
      p.assign(y.mul(2));
      return [p, x.detach()];
    },
  },
  { name: 'clone', grad: true, inputs: (r) => [u(r, [2, 3])], fn: ([x]) => [clone(x), x.clone().mul(2)] },

  // ---------------------------------------------------------------- indexing
  {
    name: 'indexSelect (repeated indices)',
    grad: true,
    inputs: (r) => [u(r, [4, 3]), I([5], [3, 0, 3, 1, 3]), I([4], [2, 2, 0, 1])],
    fn: ([x, i0, i1]) => [indexSelect(x, 0, i0), x.indexSelect(1, i1)],
  },
  {
    name: 'indexCopy (rows of a stack, along dims 0 and 1)',
    grad: true,
    inputs: (r) => [u(r, [5, 3]), u(r, [2, 3]), I([2], [3, 0]), u(r, [5, 2]), I([2], [2, 0])],
    fn: ([x, src, i0, src1, i1]) => [indexCopy(x, 0, i0, src), x.indexCopy(1, i1, src1)],
  },
  {
    name: 'gather (repeated indices)',
    grad: true,
    inputs: (r) => [u(r, [3, 4]), ints(r, [3, 5], 0, 4), ints(r, [2, 4], 0, 3)],
    fn: ([x, i1, i0]) => [gather(x, 1, i1), x.gather(0, i0)],
  },

  {
    name: 'topk (largest and smallest, on several dims, k = 1 and k = n)',
    grad: true,
    inputs: (r) => [d(r, [3, 5])],
    fn: ([x]) => {
      const a = topk(x, 2);
      const b = topk(x, 3, 0, { largest: false });
      const c = x.topk(1, 1);
      const all = topk(x, 5, -1);
      return [a.values, a.indices, b.values, b.indices, c.values, c.indices, all.values, all.indices];
    },
  },
  {
    name: 'multinomial (seeded generator; with and without replacement; zero weights never drawn)',
    inputs: (r) => [pos(r, [4, 6], 0.1, 2), F([5], [0, 1, 0, 3, 2])],
    fn: ([w, sparse]) => [
      multinomial(w, 3, { generator: new Generator(21) }),
      multinomial(w, 8, { replacement: true, generator: new Generator(22) }),
      w.softmax(-1).multinomial(1, { generator: new Generator(23) }),
      multinomial(sparse, 3, { generator: new Generator(24) }),
    ],
  },

  // ---------------------------------------------------------------- softmax
  {
    name: 'softmax on several axes',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4], -3, 3)],
    fn: ([x]) => [softmax(x, 0), x.softmax(1), x.softmax(-1)],
  },
  {
    name: 'logSoftmax on several axes',
    grad: true,
    inputs: (r) => [u(r, [2, 3, 4], -3, 3)],
    fn: ([x]) => [logSoftmax(x, 0), x.logSoftmax(1), x.logSoftmax(-1)],
  },
  {
    name: 'softmax / logSoftmax with large inputs',
    inputs: () => [F([2, 3], [1000, 1001, 999, -1e4, 0, 1e4])],
    fn: ([x]) => [x.softmax(1), x.logSoftmax(1), x.softmax(0)],
  },

  // ---------------------------------------------------------------- fused ops
  {
    name: 'softmaxCrossEntropy',
    grad: true,
    inputs: (r) => [u(r, [4, 5], -3, 3), ints(r, [4], 0, 5)],
    fn: ([logits, target]) => softmaxCrossEntropy(logits, target),
  },
  {
    name: 'softmaxCrossEntropy (composite)',
    grad: true,
    inputs: (r) => [u(r, [4, 5], -3, 3), ints(r, [4], 0, 5)],
    fn: ([logits, target]) => withoutFusedKernels(() => softmaxCrossEntropy(logits, target)),
  },
  {
    name: 'lstmCell',
    grad: true,
    inputs: (r) => [u(r, [2, 12]), u(r, [2, 3])],
    fn: ([gates, c]) => lstmCell(gates, c),
  },
  {
    name: 'lstmCell (composite)',
    grad: true,
    inputs: (r) => [u(r, [2, 12]), u(r, [2, 3])],
    fn: ([gates, c]) => withoutFusedKernels(() => lstmCell(gates, c)),
  },
  {
    name: 'runFused (lstmCellOp)',
    inputs: (r) => [u(r, [2, 8]), u(r, [2, 2])],
    fn: ([gates, c]) => runFused(lstmCellOp, [gates, c]),
  },
  {
    name: 'lstmCell, only h used',
    grad: true,
    inputs: (r) => [u(r, [2, 12]), u(r, [2, 3])],
    fn: ([gates, c]) => lstmCell(gates, c)[0],
  },
  {
    name: 'lstmCell, only c used',
    grad: true,
    inputs: (r) => [u(r, [2, 12]), u(r, [2, 3])],
    fn: ([gates, c]) => lstmCell(gates, c)[1],
  },

  ...RNN_LAYER_CASES,
  {
    name: 'layerNorm (weight and bias; over two dimensions)',
    grad: true,
    inputs: (r) => [u(r, [3, 4]), u(r, [4], 0.5, 1.5), u(r, [4], -1, 1), u(r, [2, 2, 3]), u(r, [2, 3])],
    fn: ([x, w, b, x2, w2]) => [
      layerNorm(x, [4], { weight: w, bias: b }),
      layerNorm(x2, [2, 3], { weight: w2, eps: 1e-3 }),
    ],
  },

  // ---------------------------------------------------------------- a small network, end to end
  {
    name: 'a two-layer network with cross-entropy',
    grad: true,
    inputs: (r) => [
      u(r, [4, 3]),
      u(r, [3, 5], -1, 1),
      u(r, [5], -1, 1),
      u(r, [5, 3], -1, 1),
      ints(r, [4], 0, 3),
    ],
    fn: ([x, w1, b1, w2, y]) => softmaxCrossEntropy(x.matmul(w1).add(b1).tanh().matmul(w2), y).mean(),
  },
];

/** @internal Host inputs of a case (drawn from its name, so the same on every backend and run). */
export function caseInputs(c: OpCase): InputSpec[] {
  return c.inputs(HostRng.fromName(c.name));
}
