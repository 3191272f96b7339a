import type { BinaryOp, CompareOp, UnaryOp } from '../../backend/backend';
import { allocArray, type DType, type TypedArray } from '../../dtype';
import { type Shape, shapesEqual, sizeOf } from '../../shape';
import { broadcastOperandStrides, forEachRow } from './iterate';

export function fill(shape: Shape, dtype: DType, value: number): TypedArray {
  const out = allocArray(dtype, sizeOf(shape));
  if (value !== 0) out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): TypedArray {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
      break;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v < 0 ? 0 : v;
      }
      break;
    case 'sign':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? 1 : v < 0 ? -1 : v;
      }
      break;
    case 'not':
      for (let i = 0; i < n; i++) out[i] = x[i] ? 0 : 1;
      break;
  }
  return out;
}

/** Numerically stable logistic function. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** One row of a binary op: `out[o + i] = a[oa + i*sa] op b[ob + i*sb]`. */
function binaryRow(
  op: BinaryOp,
  a: TypedArray,
  oa: number,
  sa: number,
  b: TypedArray,
  ob: number,
  sb: number,
  out: TypedArray,
  o: number,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] + b[ob + i * sb];
      break;
    case 'sub':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] - b[ob + i * sb];
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] * b[ob + i * sb];
      break;
    case 'div':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] / b[ob + i * sb];
      break;
    case 'pow':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] ** b[ob + i * sb];
      break;
    case 'maximum':
      for (let i = 0; i < n; i++) {
        const x = a[oa + i * sa];
        const y = b[ob + i * sb];
        out[o + i] = x !== x || y !== y ? Number.NaN : x > y ? x : y;
      }
      break;
    case 'minimum':
      for (let i = 0; i < n; i++) {
        const x = a[oa + i * sa];
        const y = b[ob + i * sb];
        out[o + i] = x !== x || y !== y ? Number.NaN : x < y ? x : y;
      }
      break;
  }
}

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  if (shapesEqual(aShape, bShape)) {
    binaryRow(op, a, 0, 1, b, 0, 1, out, 0, out.length);
    return;
  }
  if (b.length === 1 && shapesEqual(aShape, outShape)) {
    binaryRow(op, a, 0, 1, b, 0, 0, out, 0, out.length);
    return;
  }
  if (a.length === 1 && shapesEqual(bShape, outShape)) {
    binaryRow(op, a, 0, 0, b, 0, 1, out, 0, out.length);
    return;
  }
  const strides = broadcastOperandStrides([aShape, bShape], outShape);
  const [sa, sb] = strides.map((s) => s[s.length - 1] ?? 0);
  forEachRow(outShape, strides, [0, 0, 0], (off, n) =>
    binaryRow(op, a, off[0], sa, b, off[1], sb, out, off[2], n),
  );
}

function compareRow(
  op: CompareOp,
  a: TypedArray,
  oa: number,
  sa: number,
  b: TypedArray,
  ob: number,
  sb: number,
  out: Uint8Array,
  o: number,
  n: number,
): void {
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] === b[ob + i * sb] ? 1 : 0;
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] !== b[ob + i * sb] ? 1 : 0;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] < b[ob + i * sb] ? 1 : 0;
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] <= b[ob + i * sb] ? 1 : 0;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] > b[ob + i * sb] ? 1 : 0;
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[o + i] = a[oa + i * sa] >= b[ob + i * sb] ? 1 : 0;
      break;
  }
}

export function compare(
  op: CompareOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: Uint8Array,
  outShape: Shape,
): void {
  const strides = broadcastOperandStrides([aShape, bShape], outShape);
  const [sa, sb] = strides.map((s) => s[s.length - 1] ?? 0);
  forEachRow(outShape, strides, [0, 0, 0], (off, n) =>
    compareRow(op, a, off[0], sa, b, off[1], sb, out, off[2], n),
  );
}

export function where(
  c: Uint8Array,
  cShape: Shape,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const strides = broadcastOperandStrides([cShape, aShape, bShape], outShape);
  const [sc, sa, sb] = strides.map((s) => s[s.length - 1] ?? 0);
  forEachRow(outShape, strides, [0, 0, 0, 0], (off, n) => {
    const [oc, oa, ob, o] = off;
    for (let i = 0; i < n; i++) out[o + i] = c[oc + i * sc] ? a[oa + i * sa] : b[ob + i * sb];
  });
}

export function clamp(x: TypedArray, lo: number, hi: number, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // min(max(v, lo), hi) as torch.clamp: when lo > hi every element becomes hi; NaN stays NaN.
    const v = x[i] < lo ? lo : x[i];
    out[i] = v > hi ? hi : v;
  }
}

export function cast(x: TypedArray, dtype: DType): TypedArray {
  const out = allocArray(dtype, x.length);
  if (dtype === 'bool') {
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
  return out;
}
