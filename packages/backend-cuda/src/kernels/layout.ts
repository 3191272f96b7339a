import { collapse, type Shape, sizeOf, splitAround, type TensorSpec } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { ALL_DTYPES, ELEMENT_BYTES, perDtype, pick } from './spec';

const M = 'layout';
const STRIDED = perDtype(M, 'strided', ALL_DTYPES, ['ptr', 'ptr', 'dims', 'i32']);
const CONCAT = perDtype(M, 'concat', ALL_DTYPES, ['ptr', 'ptr', 'i32', 'i32', 'i32', 'i32']);

/** `out[i0..in] = x[offset + Σ i_d·strides[d]]`: permute, expand, slice with step, flip. */
export function strided(
  ctx: CudaContext,
  x: TensorSpec,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): CudaStorage {
  const n = sizeOf(outShape);
  const out = alloc(ctx, x.dtype, n, 'strided');
  if (n === 0) return out;
  const c = collapse(outShape, [strides]);
  if (c.shape.length === 1 && c.strides[0][0] === 1) {
    // a contiguous run: one device copy
    const e = ELEMENT_BYTES[x.dtype];
    ctx.copy(out.ptr, ptrOf(x) + offset * e, n * e);
  } else {
    ctx.run(pick(STRIDED, x.dtype, 'strided'), n, [
      out.ptr,
      ptrOf(x),
      { shape: c.shape, strides: c.strides },
      offset,
    ]);
  }
  return out;
}

export function concat(ctx: CudaContext, xs: readonly TensorSpec[], axis: number): CudaStorage {
  const dtype = xs[0].dtype;
  const [outer] = splitAround(xs[0].shape, axis, axis);
  const lens = xs.map((x) => sizeOf(x.shape.slice(axis)));
  const total = lens.reduce((a, b) => a + b, 0);
  const out = alloc(ctx, dtype, outer * total, 'concat');
  let at = 0;
  xs.forEach((x, i) => {
    const len = lens[i];
    if (outer === 1) ctx.copy(out.ptr + at * ELEMENT_BYTES[dtype], ptrOf(x), len * ELEMENT_BYTES[dtype]);
    else ctx.run(pick(CONCAT, dtype, 'concat'), outer * len, [out.ptr, ptrOf(x), outer, len, total, at]);
    at += len;
  });
  return out;
}
