import type { DType, TypedArray } from '../../dtype';
import { contiguousStrides, type Shape, sizeOf, splitAround } from '../../shape';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { allocArray, allocUninitLike } from '../pool';
import { forEachRow } from './iterate';

export function indexSelect(x: TypedArray, shape: Shape, axis: number, index: Int32Array): TypedArray {
  const [outer, n, inner] = splitAround(shape, axis, axis);
  const m = index.length;
  const out = allocUninitLike(x, outer * m * inner);
  const acc = x instanceof Float32Array && out.length >= NATIVE_MIN_ELEMENTS ? getCpuAccelerator() : null;
  if (acc?.indexSelect) {
    acc.indexSelect(outer, n, inner, x as Float32Array, index, m, out as Float32Array);
    return out;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const src = (o * n + index[i]) * inner;
      out.set(x.subarray(src, src + inner), (o * m + i) * inner);
    }
  }
  return out;
}

export function indexAdd(
  shape: Shape,
  dtype: DType,
  axis: number,
  index: Int32Array,
  src: TypedArray,
): TypedArray {
  const out = allocArray(dtype, sizeOf(shape));
  indexAddInto(out, shape, axis, index, src);
  return out;
}

/**
 * `out [outer, n, inner] += src [outer, m, inner]` scattered to the rows `index` along `axis` of
 * `shape` (the storage of `out`), in place; indices already checked.
 */
export function indexAddInto(
  out: TypedArray,
  shape: Shape,
  axis: number,
  index: Int32Array,
  src: TypedArray,
): void {
  const [outer, n, inner] = splitAround(shape, axis, axis);
  const m = index.length;
  const acc =
    src instanceof Float32Array && out instanceof Float32Array && src.length >= NATIVE_MIN_ELEMENTS
      ? getCpuAccelerator()
      : null;
  if (acc?.indexAdd) {
    acc.indexAdd(outer, n, inner, index, m, src as Float32Array, out as Float32Array);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const dst = (o * n + index[i]) * inner;
      const from = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += src[from + j];
    }
  }
}

/** Strides that map an index-shaped walk onto `x`, with the gathered axis contributing nothing. */
function gatherStrides(xShape: Shape, axis: number): number[] {
  const s = contiguousStrides(xShape);
  s[axis] = 0;
  return s;
}

export function gather(
  x: TypedArray,
  xShape: Shape,
  axis: number,
  index: Int32Array,
  indexShape: Shape,
): TypedArray {
  const out = new (x.constructor as new (n: number) => TypedArray)(index.length);
  const axisStride = contiguousStrides(xShape)[axis];
  const xs = gatherStrides(xShape, axis);
  const is = contiguousStrides(indexShape);
  const sx = xs[xs.length - 1];
  forEachRow(indexShape, [xs, is], [0, 0], (off, n) => {
    const [ox, oi] = off;
    for (let k = 0; k < n; k++) out[oi + k] = x[ox + k * sx + index[oi + k] * axisStride];
  });
  return out;
}

export function scatterAdd(
  shape: Shape,
  dtype: DType,
  axis: number,
  index: Int32Array,
  indexShape: Shape,
  src: TypedArray,
): TypedArray {
  const out = allocArray(dtype, sizeOf(shape));
  const axisStride = contiguousStrides(shape)[axis];
  const xs = gatherStrides(shape, axis);
  const is = contiguousStrides(indexShape);
  const sx = xs[xs.length - 1];
  forEachRow(indexShape, [xs, is], [0, 0], (off, n) => {
    const [ox, oi] = off;
    for (let k = 0; k < n; k++) out[ox + k * sx + index[oi + k] * axisStride] += src[oi + k];
  });
  return out;
}
