import type { ArgReduceOp, ReduceOp } from '../../backend/backend';
import type { DType, TypedArray } from '../../dtype';
import { contiguousStrides, type Shape, sizeOf, splitAround } from '../../shape';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { allocArray, allocUninit } from '../pool';
import { strided } from './layout';

/**
 * Reduces over `axes`. A contiguous run of axes is reduced in place as `[outer, r, inner]`;
 * scattered axes are first moved to the end by one layout copy.
 */
export function reduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  dtype: DType,
  axes: readonly number[],
): TypedArray {
  let src = x;
  let outer: number;
  let r: number;
  let inner: number;
  const contiguousRun = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (contiguousRun) {
    [outer, r, inner] = splitAround(shape, axes[0], axes[axes.length - 1]);
  } else {
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    const inStrides = contiguousStrides(shape);
    src = strided(
      x,
      perm.map((d) => shape[d]),
      perm.map((d) => inStrides[d]),
      0,
    );
    outer = sizeOf(kept.map((d) => shape[d]));
    r = sizeOf(axes.map((d) => shape[d]));
    inner = 1;
  }
  // float32 sums on the native kernel when one is plugged in (the same sums, bit for bit)
  const native =
    op === 'sum' && src instanceof Float32Array && src.length >= NATIVE_MIN_ELEMENTS
      ? getCpuAccelerator()
      : null;
  if (native?.sumMiddle) {
    const out = allocUninit(dtype, outer * inner) as Float32Array;
    native.sumMiddle(outer, r, inner, src as Float32Array, out);
    return out;
  }
  const out = allocArray(dtype, outer * inner);
  // Accumulate in a float64 row (JS numbers), then store: float32 sums lose less precision.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * r * inner;
    if (op === 'sum') {
      acc.fill(0);
      for (let k = 0; k < r; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) acc[i] += src[row + i];
      }
    } else {
      for (let i = 0; i < inner; i++) acc[i] = src[base + i];
      const isMax = op === 'max';
      for (let k = 1; k < r; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) {
          const v = src[row + i];
          const m = acc[i];
          // NaN propagates (once acc is NaN no comparison replaces it), as in PyTorch.
          if (v !== v || (isMax ? v > m : v < m)) acc[i] = v;
        }
      }
    }
    out.set(acc, o * inner);
  }
  return out;
}

export function argReduce(op: ArgReduceOp, x: TypedArray, shape: Shape, axis: number): Int32Array {
  const [outer, r, inner] = splitAround(shape, axis, axis);
  const out = new Int32Array(outer * inner);
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x[o * r * inner + i];
      let bestK = 0;
      for (let k = 1; k < r && best === best; k++) {
        const v = x[(o * r + k) * inner + i];
        if (v !== v || (isMax ? v > best : v < best)) {
          best = v;
          bestK = k;
        }
      }
      out[o * inner + i] = bestK;
    }
  }
  return out;
}
