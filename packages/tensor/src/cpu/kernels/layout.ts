import type { TypedArray } from '../../dtype';
import { contiguousStrides, type Shape, sizeOf } from '../../shape';
import { forEachRow, splitAround } from './iterate';

/** `out[idx] = x[offset + sum(idx_d * strides_d)]`: permute, expand, slice and flip in one kernel. */
export function strided(
  x: TypedArray,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): TypedArray {
  const out = new (x.constructor as new (n: number) => TypedArray)(sizeOf(outShape));
  const outStrides = contiguousStrides(outShape);
  const rowStride = strides[strides.length - 1] ?? 0;
  forEachRow(outShape, [strides, outStrides], [offset, 0], (off, n) => {
    const src = off[0];
    const dst = off[1];
    if (rowStride === 1) out.set(x.subarray(src, src + n), dst);
    else for (let i = 0; i < n; i++) out[dst + i] = x[src + i * rowStride];
  });
  return out;
}

export function concat(xs: readonly TypedArray[], shapes: readonly Shape[], axis: number): TypedArray {
  const total = xs.reduce((n, x) => n + x.length, 0);
  const out = new (xs[0].constructor as new (n: number) => TypedArray)(total);
  const [outer] = splitAround(shapes[0], axis, axis);
  const blocks = shapes.map((s) => sizeOf(s.slice(axis)));
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < xs.length; k++) {
      const len = blocks[k];
      out.set(xs[k].subarray(o * len, (o + 1) * len), pos);
      pos += len;
    }
  }
  return out;
}
