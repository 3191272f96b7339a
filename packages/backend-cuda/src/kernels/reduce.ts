import {
  type ArgReduceOp,
  contiguousStrides,
  type ReduceOp,
  sizeOf,
  splitAround,
  type TensorSpec,
} from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { ARG_REDUCE_CODE, REDUCE_CODE } from './codes';
import { alloc } from './elementwise';
import { strided } from './layout';
import { ALL_DTYPES, ELEMENT_BYTES, perDtype, pick } from './spec';

const M = 'reduce';
const PARAMS = ['ptr', 'ptr', 'i32', 'i32', 'i32', 'i32'] as const;
const REDUCE_THREAD = perDtype(M, 'reduce_thread', ALL_DTYPES, PARAMS);
const REDUCE_BLOCK = perDtype(M, 'reduce_block', ALL_DTYPES, PARAMS);
const ARG_THREAD = perDtype(M, 'arg_thread', ALL_DTYPES, PARAMS);
const ARG_BLOCK = perDtype(M, 'arg_block', ALL_DTYPES, PARAMS);

/** Outputs below which a block per output (a tree over the row) beats a thread per output. */
const FEW_OUTPUTS = 1024;
/** Rows shorter than this are summed by one thread whatever the number of outputs. */
const SHORT_ROW = 64;
const REDUCE_THREADS = 256;

/** `x` as `[outer, r, inner]` around the reduced axes, moving scattered axes last by one copy. */
function around(ctx: CudaContext, x: TensorSpec, axes: readonly number[]) {
  const contiguousRun = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (contiguousRun) {
    const [outer, r, inner] = splitAround(x.shape, axes[0], axes[axes.length - 1]);
    return { src: x, outer, r, inner, temp: null as CudaStorage | null };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const st = contiguousStrides(x.shape);
  const temp = strided(
    ctx,
    x,
    perm.map((d) => x.shape[d]),
    perm.map((d) => st[d]),
    0,
  );
  return {
    src: { storage: temp, shape: perm.map((d) => x.shape[d]), dtype: x.dtype } as TensorSpec,
    outer: sizeOf(kept.map((d) => x.shape[d])),
    r: sizeOf(axes.map((d) => x.shape[d])),
    inner: 1,
    temp,
  };
}

export function reduce(ctx: CudaContext, op: ReduceOp, x: TensorSpec, axes: readonly number[]): CudaStorage {
  const { src, outer, r, inner, temp } = around(ctx, x, axes);
  const outputs = outer * inner;
  const out = alloc(ctx, x.dtype, outputs, op);
  if (r === 0) {
    ctx.memset8(out.ptr, 0, outputs * ELEMENT_BYTES[x.dtype]);
  } else if (outputs >= FEW_OUTPUTS || r < SHORT_ROW) {
    ctx.run(pick(REDUCE_THREAD, x.dtype, op), outputs, [
      out.ptr,
      ptrOf(src),
      outer,
      r,
      inner,
      REDUCE_CODE[op],
    ]);
  } else if (outputs > 0) {
    ctx.launch(
      pick(REDUCE_BLOCK, x.dtype, op),
      [Math.min(outputs, 65535), 1, 1],
      [REDUCE_THREADS, 1, 1],
      [out.ptr, ptrOf(src), outer, r, inner, REDUCE_CODE[op]],
    );
  }
  if (temp) ctx.freeBlock(temp.block);
  return out;
}

export function argReduce(ctx: CudaContext, op: ArgReduceOp, x: TensorSpec, axis: number): CudaStorage {
  const [outer, r, inner] = splitAround(x.shape, axis, axis);
  const outputs = outer * inner;
  const out = alloc(ctx, 'int32', outputs, op);
  if (outputs >= FEW_OUTPUTS || r < SHORT_ROW) {
    ctx.run(pick(ARG_THREAD, x.dtype, op), outputs, [
      out.ptr,
      ptrOf(x),
      outer,
      r,
      inner,
      ARG_REDUCE_CODE[op],
    ]);
  } else if (outputs > 0) {
    ctx.launch(
      pick(ARG_BLOCK, x.dtype, op),
      [Math.min(outputs, 65535), 1, 1],
      [REDUCE_THREADS, 1, 1],
      [out.ptr, ptrOf(x), outer, r, inner, ARG_REDUCE_CODE[op]],
    );
  }
  return out;
}

/** Column sums of a row-major `[rows, cols]` buffer at `ptr` into new storage (bias gradients). */
export function columnSums(
  ctx: CudaContext,
  dtype: TensorSpec['dtype'],
  ptr: number,
  rows: number,
  cols: number,
): CudaStorage {
  const out = alloc(ctx, dtype, cols, 'sum');
  if (rows === 0) ctx.memset8(out.ptr, 0, cols * ELEMENT_BYTES[dtype]);
  else ctx.run(pick(REDUCE_THREAD, dtype, 'sum'), cols, [out.ptr, ptr, 1, rows, cols, REDUCE_CODE.sum]);
  return out;
}
