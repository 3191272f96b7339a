import type { BinaryOp, CompareOp, UnaryOp } from '../../backend/backend';
import type { DType, TypedArray } from '../../dtype';
import { type Shape, shapesEqual, sizeOf } from '../../shape';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { allocUninit } from '../pool';
import { broadcastOperandStrides, forEachRow } from './iterate';

export function fill(shape: Shape, dtype: DType, value: number): TypedArray {
  const out = allocUninit(dtype, sizeOf(shape));
  out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): TypedArray {
  if (x instanceof Float32Array && out instanceof Float32Array && unaryF32(op, x, out)) return out;
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

/** Op codes of the accelerator's `unary` (see `accelerator.ts`). */
const NATIVE_UNARY: Partial<Record<UnaryOp, number>> = { tanh: 0, sigmoid: 1, exp: 2 };

/** Float32 fast paths of {@link unary} (monomorphic accesses); false for the ops it leaves to the generic loop. */
function unaryF32(op: UnaryOp, x: Float32Array, out: Float32Array): boolean {
  const n = x.length;
  const code = NATIVE_UNARY[op];
  const acc = code !== undefined && n >= NATIVE_MIN_ELEMENTS ? getCpuAccelerator() : null;
  if (acc?.unary) {
    acc.unary(code!, n, x, out);
    return true;
  }
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return true;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return true;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return true;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return true;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return true;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
      return true;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v < 0 ? 0 : v;
      }
      return true;
    default:
      return false;
  }
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

/**
 * The float32 twin of {@link binaryRow} for the common add/sub/mul/div: typed as `Float32Array` so
 * its element accesses stay monomorphic (the generic row sees every dtype and runs several times
 * slower once it has). `sa`/`sb` are 0 (a broadcast scalar) or 1.
 */
function binaryRowF32(
  op: BinaryOp,
  a: Float32Array,
  oa: number,
  sa: number,
  b: Float32Array,
  ob: number,
  sb: number,
  out: Float32Array,
  o: number,
  n: number,
): boolean {
  if (sa === 1 && sb === 1) {
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] + b[ob + i];
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] - b[ob + i];
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] * b[ob + i];
        return true;
      case 'div':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] / b[ob + i];
        return true;
    }
  } else if (sa === 1 && sb === 0) {
    const y = b[ob];
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] + y;
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] - y;
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] * y;
        return true;
      case 'div':
        for (let i = 0; i < n; i++) out[o + i] = a[oa + i] / y;
        return true;
    }
  } else if (sa === 0 && sb === 1) {
    const x = a[oa];
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[o + i] = x + b[ob + i];
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) out[o + i] = x - b[ob + i];
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) out[o + i] = x * b[ob + i];
        return true;
      case 'div':
        for (let i = 0; i < n; i++) out[o + i] = x / b[ob + i];
        return true;
    }
  }
  return false;
}

/** Whether `shape`, without leading 1s, is the trailing part of `outShape` (one row, broadcast over the rest). */
function isTrailingRow(shape: Shape, outShape: Shape): boolean {
  let lead = 0;
  while (lead < shape.length && shape[lead] === 1) lead++;
  const k = shape.length - lead;
  if (k === 0 || k > outShape.length) return false;
  for (let i = 0; i < k; i++) if (shape[lead + i] !== outShape[outShape.length - k + i]) return false;
  return true;
}

/** Op codes of the accelerator's `binary` (see `accelerator.ts`). */
const NATIVE_BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  out: TypedArray,
  outShape: Shape,
): void {
  const f32 = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array;
  const row = (oa: number, sa: number, ob: number, sb: number, o: number, n: number) => {
    if (!f32 || !binaryRowF32(op, a, oa, sa, b, ob, sb, out, o, n))
      binaryRow(op, a, oa, sa, b, ob, sb, out, o, n);
  };
  const code = NATIVE_BINARY[op];
  const acc = f32 && code !== undefined && out.length >= NATIVE_MIN_ELEMENTS ? getCpuAccelerator() : null;
  if (shapesEqual(aShape, bShape)) {
    if (acc?.binary) acc.binary(code!, out.length, a as Float32Array, b as Float32Array, out as Float32Array);
    else row(0, 1, 0, 1, 0, out.length);
    return;
  }
  if (acc?.binaryRows) {
    // one operand a single row broadcast over the other's rows (a bias, a per-feature scale)
    const bRow = shapesEqual(aShape, outShape) && isTrailingRow(bShape, outShape);
    const aRow = !bRow && shapesEqual(bShape, outShape) && isTrailingRow(aShape, outShape);
    if (aRow || bRow) {
      const n = sizeOf(bRow ? bShape : aShape);
      if (n > 1) {
        acc.binaryRows(
          code!,
          out.length / n,
          n,
          a as Float32Array,
          b as Float32Array,
          out as Float32Array,
          bRow ? 1 : 0,
        );
        return;
      }
    }
  }
  if (b.length === 1 && shapesEqual(aShape, outShape)) {
    row(0, 1, 0, 0, 0, out.length);
    return;
  }
  if (a.length === 1 && shapesEqual(bShape, outShape)) {
    row(0, 0, 0, 1, 0, out.length);
    return;
  }
  const strides = broadcastOperandStrides([aShape, bShape], outShape);
  const [sa, sb] = strides.map((s) => s[s.length - 1] ?? 0);
  forEachRow(outShape, strides, [0, 0, 0], (off, n) => row(off[0], sa, off[1], sb, off[2], n));
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
  if (sa === 1 && sb === 0 && a instanceof Float32Array) {
    compareScalarF32(op, a, oa, b[ob], out, o, n);
    return;
  }
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] === b[ob + i * sb]);
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] !== b[ob + i * sb]);
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] < b[ob + i * sb]);
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] <= b[ob + i * sb]);
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] > b[ob + i * sb]);
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i * sa] >= b[ob + i * sb]);
      break;
  }
}

/**
 * A float32 row against one value (dropout's `rand(...) < 1 - p`, thresholds): a loop that only ever
 * sees a Float32Array, so its loads stay monomorphic (a 512k-element mask: 1.3 ms against 1.7 through
 * the shared loop). Every compare loop writes `+(x < v)`, not
 * `x < v ? 1 : 0`: V8 compiles the conditional to a branch, which a dropout mask (random) mispredicts
 * half the time: 6.5 ns per element against 1.4 on a 512k-element mask (Zen 4).
 */
function compareScalarF32(
  op: CompareOp,
  a: Float32Array,
  oa: number,
  v: number,
  out: Uint8Array,
  o: number,
  n: number,
) {
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] === v);
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] !== v);
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] < v);
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] <= v);
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] > v);
      break;
    case 'ge':
      for (let i = 0; i < n; i++) out[o + i] = +(a[oa + i] >= v);
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
  const sameType = a.constructor === out.constructor && b.constructor === out.constructor;
  if (sc === 0 && sameType && outShape.length === 2) {
    whereRowRuns(c, strides[0][0], a, strides[1][0], sa, b, strides[2][0], sb, out, outShape[0], outShape[1]);
    return;
  }
  forEachRow(outShape, strides, [0, 0, 0, 0], (off, n) => {
    const oc = off[0];
    const o = off[3];
    if (sc === 0) {
      // One condition for the whole row (a row mask, as `indexCopy` and `maskedFill` of rows make):
      // the row is a copy of one operand's row.
      const pickA = c[oc] !== 0;
      const src = pickA ? a : b;
      const from = pickA ? off[1] : off[2];
      const step = pickA ? sa : sb;
      if (step === 1 && sameType && n >= 32) out.set(src.subarray(from, from + n), o);
      else if (step === 1) for (let i = 0; i < n; i++) out[o + i] = src[from + i];
      else if (step === 0) out.fill(src[from], o, o + n);
      else for (let i = 0; i < n; i++) out[o + i] = src[from + i * step];
      return;
    }
    const oa = off[1];
    const ob = off[2];
    if (sc === 1 && sa === 1 && sb === 1) {
      for (let i = 0; i < n; i++) out[o + i] = c[oc + i] ? a[oa + i] : b[ob + i];
      return;
    }
    for (let i = 0; i < n; i++) out[o + i] = c[oc + i * sc] ? a[oa + i * sa] : b[ob + i * sb];
  });
}

/**
 * `where` of a 2-D output with one condition per row (`indexCopy`, `maskedFill` of rows, and their
 * gradients): consecutive rows that take the same operand are one copy when that operand's rows are
 * contiguous, or one fill when it is a broadcast scalar. (Row by row, a `subarray` object per row
 * was the cost: SPINN copies ~40k rows of 600 per step.) `cs`, `as`, `bs`: the operands' strides
 * between rows; `sa`, `sb`: along a row (1 or 0).
 */
function whereRowRuns(
  c: Uint8Array,
  cs: number,
  a: TypedArray,
  as: number,
  sa: number,
  b: TypedArray,
  bs: number,
  sb: number,
  out: TypedArray,
  rows: number,
  w: number,
): void {
  let r = 0;
  while (r < rows) {
    const pickA = c[r * cs] !== 0;
    let end = r + 1;
    while (end < rows && (c[end * cs] !== 0) === pickA) end++;
    const src = pickA ? a : b;
    const rs = pickA ? as : bs;
    const step = pickA ? sa : sb;
    if (step === 1 && rs === w) out.set(src.subarray(r * w, end * w), r * w);
    else if (step === 0 && rs === 0) out.fill(src[0], r * w, end * w);
    else {
      for (let q = r; q < end; q++) {
        const from = q * rs;
        const o = q * w;
        if (step === 0) out.fill(src[from], o, o + w);
        else if (w >= 32) out.set(src.subarray(from, from + w), o);
        else for (let i = 0; i < w; i++) out[o + i] = src[from + i];
      }
    }
    r = end;
  }
}

export function clamp(x: TypedArray, lo: number, hi: number, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // min(max(v, lo), hi) as torch.clamp: when lo > hi every element becomes hi; NaN stays NaN.
    const v = x[i] < lo ? lo : x[i];
    out[i] = v > hi ? hi : v;
  }
}

export function cast(x: TypedArray, dtype: DType): TypedArray {
  const out = allocUninit(dtype, x.length);
  if (dtype === 'bool') {
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
  return out;
}
