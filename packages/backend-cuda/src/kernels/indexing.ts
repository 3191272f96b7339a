import {
  contiguousStrides,
  type DType,
  type Shape,
  sizeOf,
  splitAround,
  type TensorSpec,
} from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { ALL_DTYPES, ELEMENT_BYTES, perDtype, pick } from './spec';

const M = 'indexing';
const ADD_DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];
const INDEX_SELECT = perDtype(M, 'index_select', ALL_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'i32',
  'i32',
  'ptr',
  'i32',
]);
const INDEX_ADD = perDtype(M, 'index_add', ADD_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'i32',
  'i32',
  'ptr',
  'i32',
]);
const GATHER = perDtype(M, 'gather', ALL_DTYPES, ['ptr', 'ptr', 'ptr', 'dims', 'i32', 'i32', 'ptr', 'i32']);
const SCATTER_ADD = perDtype(M, 'scatter_add', ADD_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'dims',
  'i32',
  'i32',
  'ptr',
  'i32',
]);

export function indexSelect(ctx: CudaContext, x: TensorSpec, axis: number, index: TensorSpec): CudaStorage {
  const [outer, n, inner] = splitAround(x.shape, axis, axis);
  const m = sizeOf(index.shape);
  const total = outer * m * inner;
  const out = alloc(ctx, x.dtype, total, 'indexSelect');
  const flag = ctx.indexFlag;
  if (total > 0) {
    ctx.run(pick(INDEX_SELECT, x.dtype, 'indexSelect'), total, [
      out.ptr,
      ptrOf(x),
      ptrOf(index),
      outer,
      n,
      m,
      inner,
      flag.bind(),
      flag.site('indexSelect'),
    ]);
  }
  return out;
}

/** `dst[..., index[i], ...] += src[..., i, ...]` along `axis`, into existing storage at `dst`. */
export function indexAddAt(
  ctx: CudaContext,
  dst: number,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
  op: string,
): void {
  const [outer, n, inner] = splitAround(shape, axis, axis);
  const m = sizeOf(index.shape);
  const flag = ctx.indexFlag;
  if (outer * m * inner === 0) return;
  ctx.run(pick(INDEX_ADD, src.dtype, op), outer * m * inner, [
    dst,
    ptrOf(index),
    ptrOf(src),
    outer,
    n,
    m,
    inner,
    flag.bind(),
    flag.site(op),
  ]);
}

export function indexAdd(
  ctx: CudaContext,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): CudaStorage {
  const out = zeros(ctx, src.dtype, sizeOf(shape), 'indexAdd');
  indexAddAt(ctx, out.ptr, shape, axis, index, src, 'indexAdd');
  return out;
}

/** The in-place primitive: float storage only (declined otherwise). */
export function indexAddInto(
  ctx: CudaContext,
  dst: TensorSpec,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): boolean {
  if (
    (dst.dtype !== 'float32' && dst.dtype !== 'float64') ||
    src.dtype !== dst.dtype ||
    index.dtype !== 'int32'
  )
    return false;
  indexAddAt(ctx, ptrOf(dst), dst.shape, axis, index, src, 'indexAdd');
  return true;
}

function zeros(ctx: CudaContext, dtype: DType, n: number, op: string): CudaStorage {
  const out = alloc(ctx, dtype, n, op);
  ctx.memset8(out.ptr, 0, n * ELEMENT_BYTES[dtype]);
  return out;
}

/** Strides walking an index-shaped space over `shape` with the gathered axis contributing nothing. */
function gatherDims(shape: Shape, indexShape: Shape, axis: number) {
  const s = contiguousStrides(shape);
  const axisStride = s[axis];
  s[axis] = 0;
  return {
    dims: { shape: indexShape.length ? [...indexShape] : [1], strides: [indexShape.length ? s : [0]] },
    axisStride,
  };
}

export function gather(ctx: CudaContext, x: TensorSpec, axis: number, index: TensorSpec): CudaStorage {
  const n = sizeOf(index.shape);
  const out = alloc(ctx, x.dtype, n, 'gather');
  if (n === 0) return out;
  const { dims, axisStride } = gatherDims(x.shape, index.shape, axis);
  const flag = ctx.indexFlag;
  ctx.run(pick(GATHER, x.dtype, 'gather'), n, [
    out.ptr,
    ptrOf(x),
    ptrOf(index),
    dims,
    axisStride,
    x.shape[axis],
    flag.bind(),
    flag.site('gather'),
  ]);
  return out;
}

export function scatterAdd(
  ctx: CudaContext,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): CudaStorage {
  const out = zeros(ctx, src.dtype, sizeOf(shape), 'scatterAdd');
  const n = sizeOf(index.shape);
  if (n === 0) return out;
  const { dims, axisStride } = gatherDims(shape, index.shape, axis);
  const flag = ctx.indexFlag;
  ctx.run(pick(SCATTER_ADD, src.dtype, 'scatterAdd'), n, [
    out.ptr,
    ptrOf(index),
    ptrOf(src),
    dims,
    axisStride,
    shape[axis],
    flag.bind(),
    flag.site('scatterAdd'),
  ]);
  return out;
}
