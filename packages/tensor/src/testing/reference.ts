/**
 * @internal Naive plain-JS reference implementations of the backend primitives, on flat row-major
 * arrays of JS numbers. Written for obviousness, not speed: each is the definition of the primitive,
 * with float64 arithmetic, against which every backend (the CPU backend included) is checked.
 */
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from '../backend/backend';
import type { DType } from '../dtype';
import { numel } from './host';

type Shape = readonly number[];

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Flat position in an input of `shape` read at output multi-index `out` under NumPy broadcasting. */
export function broadcastFlat(out: readonly number[], shape: Shape): number {
  const lead = out.length - shape.length;
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : out[lead + d]);
  return flat;
}

/** Stores a JS number as `dtype` would hold it. */
export function store(dtype: DType, v: number): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'int32':
      return v | 0;
    case 'bool':
      return v !== 0 ? 1 : 0;
  }
}

export function unaryRef(op: UnaryOp, v: number): number {
  switch (op) {
    case 'neg':
      return -v;
    case 'exp':
      return Math.exp(v);
    case 'log':
      return Math.log(v);
    case 'sqrt':
      return Math.sqrt(v);
    case 'abs':
      return Math.abs(v);
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'relu':
      return v > 0 ? v : 0;
    case 'sign':
      return v > 0 ? 1 : v < 0 ? -1 : 0;
    case 'not':
      return v ? 0 : 1;
  }
}

export function binaryRef(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'pow':
      return a ** b;
    case 'maximum':
      return Math.max(a, b);
    case 'minimum':
      return Math.min(a, b);
  }
}

export function compareRef(op: CompareOp, a: number, b: number): number {
  switch (op) {
    case 'eq':
      return a === b ? 1 : 0;
    case 'ne':
      return a !== b ? 1 : 0;
    case 'lt':
      return a < b ? 1 : 0;
    case 'le':
      return a <= b ? 1 : 0;
    case 'gt':
      return a > b ? 1 : 0;
    case 'ge':
      return a >= b ? 1 : 0;
  }
}

/** Elementwise map over broadcast operands. */
export function broadcastMap(
  outShape: Shape,
  operands: readonly { data: readonly number[]; shape: Shape }[],
  f: (...values: number[]) => number,
): number[] {
  const n = numel(outShape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, outShape);
    out[i] = f(...operands.map((o) => o.data[broadcastFlat(idx, o.shape)]));
  }
  return out;
}

export function castRef(v: number, to: DType): number {
  if (to === 'int32') return Math.trunc(v);
  return store(to, v);
}

/** Reduction over `axes`; also returns `sum |x|` per output (the scale of the summation's rounding error). */
export function reduceRef(
  op: ReduceOp,
  x: readonly number[],
  shape: Shape,
  axes: readonly number[],
): { data: number[]; shape: number[]; magnitude: number[] } {
  const outShape = shape.filter((_, d) => !axes.includes(d));
  const n = numel(outShape);
  const data = new Array<number>(n).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const magnitude = new Array<number>(n).fill(0);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, shape).filter((_, d) => !axes.includes(d));
    let o = 0;
    for (let d = 0; d < idx.length; d++) o = o * outShape[d] + idx[d];
    const v = x[i];
    data[o] = op === 'sum' ? data[o] + v : op === 'max' ? Math.max(data[o], v) : Math.min(data[o], v);
    magnitude[o] += Math.abs(v);
  }
  return { data, shape: outShape, magnitude };
}

export function argReduceRef(op: ArgReduceOp, x: readonly number[], shape: Shape, axis: number): number[] {
  const outShape = shape.filter((_, d) => d !== axis);
  const strides = stridesOf(shape);
  const out: number[] = [];
  for (let o = 0; o < numel(outShape); o++) {
    const rest = unravel(o, outShape);
    const base = [...rest.slice(0, axis), 0, ...rest.slice(axis)];
    let best = 0;
    let bestV = Number.NaN;
    for (let k = 0; k < shape[axis]; k++) {
      base[axis] = k;
      const v = x[base.reduce((s, b, d) => s + b * strides[d], 0)];
      if (k === 0 || (op === 'argmax' ? v > bestV : v < bestV)) {
        best = k;
        bestV = v;
      }
    }
    out.push(best);
  }
  return out;
}

/**
 * Batched matmul by the triple loop, per the contract's layouts; `magnitude` is `sum_p |a| |b|`
 * for each output, the scale of the accumulated rounding error.
 */
export function matmulRef(
  a: readonly number[],
  aShape: Shape,
  b: readonly number[],
  bShape: Shape,
  transA: boolean,
  transB: boolean,
): { data: number[]; magnitude: number[]; shape: number[] } {
  const [ba, a1, a2] = aShape;
  const [bb, b1, b2] = bShape;
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const n = transB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const data = new Array<number>(batch * m * n).fill(0);
  const magnitude = new Array<number>(batch * m * n).fill(0);
  // A(i, p) = a[oa + i * ai + p * ap] and B(p, j) = b[ob + p * bp + j * bj], whatever the flags.
  const [ai, ap] = transA ? [1, m] : [k, 1];
  const [bp, bj] = transB ? [1, k] : [n, 1];
  for (let t = 0; t < batch; t++) {
    const oa = (ba === 1 ? 0 : t) * m * k;
    const ob = (bb === 1 ? 0 : t) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let mag = 0;
        for (let p = 0, ia = oa + i * ai, ib = ob + j * bj; p < k; p++, ia += ap, ib += bp) {
          const prod = a[ia] * b[ib];
          s += prod;
          mag += Math.abs(prod);
        }
        data[(t * m + i) * n + j] = s;
        magnitude[(t * m + i) * n + j] = mag;
      }
    }
  }
  return { data, magnitude, shape: [batch, m, n] };
}

export function stridedRef(
  x: readonly number[],
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < numel(outShape); i++) {
    const idx = unravel(i, outShape);
    out.push(x[idx.reduce((s, v, d) => s + v * strides[d], offset)]);
  }
  return out;
}

export function concatRef(
  xs: readonly (readonly number[])[],
  shapes: readonly Shape[],
  axis: number,
): number[] {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const out: number[] = [];
  for (let i = 0; i < numel(outShape); i++) {
    const idx = unravel(i, outShape);
    let k = 0;
    let pos = idx[axis];
    while (pos >= shapes[k][axis]) pos -= shapes[k++][axis];
    const src = [...idx];
    src[axis] = pos;
    out.push(xs[k][src.reduce((s, v, d) => s * shapes[k][d] + v, 0)]);
  }
  return out;
}

export function indexSelectRef(
  x: readonly number[],
  shape: Shape,
  axis: number,
  index: readonly number[],
): number[] {
  const outShape = [...shape];
  outShape[axis] = index.length;
  const strides = stridesOf(shape);
  const out: number[] = [];
  for (let i = 0; i < numel(outShape); i++) {
    const idx = unravel(i, outShape);
    idx[axis] = index[idx[axis]];
    out.push(x[idx.reduce((s, v, d) => s + v * strides[d], 0)]);
  }
  return out;
}

export function indexAddRef(
  shape: Shape,
  axis: number,
  index: readonly number[],
  src: readonly number[],
): number[] {
  const out = new Array<number>(numel(shape)).fill(0);
  const srcShape = [...shape];
  srcShape[axis] = index.length;
  const strides = stridesOf(shape);
  for (let i = 0; i < src.length; i++) {
    const idx = unravel(i, srcShape);
    idx[axis] = index[idx[axis]];
    out[idx.reduce((s, v, d) => s + v * strides[d], 0)] += src[i];
  }
  return out;
}

export function gatherRef(
  x: readonly number[],
  shape: Shape,
  axis: number,
  index: readonly number[],
  indexShape: Shape,
): number[] {
  const strides = stridesOf(shape);
  return index.map((v, i) => {
    const idx = unravel(i, indexShape);
    idx[axis] = v;
    return x[idx.reduce((s, w, d) => s + w * strides[d], 0)];
  });
}

export function scatterAddRef(
  shape: Shape,
  axis: number,
  index: readonly number[],
  indexShape: Shape,
  src: readonly number[],
): number[] {
  const out = new Array<number>(numel(shape)).fill(0);
  const strides = stridesOf(shape);
  index.forEach((v, i) => {
    const idx = unravel(i, indexShape);
    idx[axis] = v;
    out[idx.reduce((s, w, d) => s + w * strides[d], 0)] += src[i];
  });
  return out;
}

export function softmaxRef(x: readonly number[], shape: Shape, axis: number, log: boolean): number[] {
  const out = new Array<number>(x.length);
  const strides = stridesOf(shape);
  const n = shape[axis];
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, shape);
    if (idx[axis] !== 0) continue;
    const at = (k: number) => i + k * strides[axis];
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x[at(k)]);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(x[at(k)] - m);
    for (let k = 0; k < n; k++) out[at(k)] = log ? x[at(k)] - m - Math.log(s) : Math.exp(x[at(k)] - m) / s;
  }
  return out;
}
