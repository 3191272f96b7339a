import { splitAround, type TensorSpec } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { FLOAT_DTYPES, perDtype, pick } from './spec';

const ROWS = perDtype('softmax', 'softmax_rows', FLOAT_DTYPES, ['ptr', 'ptr', 'i32', 'i32', 'i32']);
const COLS = perDtype('softmax', 'softmax_cols', FLOAT_DTYPES, ['ptr', 'ptr', 'i32', 'i32', 'i32', 'i32']);

/** Softmax (or log-softmax) along `axis`: a block per row for the last axis, a thread per column otherwise. */
export function softmax(ctx: CudaContext, x: TensorSpec, axis: number, log: boolean): CudaStorage {
  const [outer, n, inner] = splitAround(x.shape, axis, axis);
  const out = alloc(ctx, x.dtype, outer * n * inner, 'softmax');
  if (outer * n * inner === 0) return out;
  if (inner === 1) {
    const threads = n <= 32 ? 32 : n <= 256 ? 128 : 256;
    ctx.launch(
      pick(ROWS, x.dtype, 'softmax'),
      [Math.min(outer, 65535), 1, 1],
      [threads, 1, 1],
      [out.ptr, ptrOf(x), outer, n, log ? 1 : 0],
    );
  } else {
    ctx.run(pick(COLS, x.dtype, 'softmax'), outer * inner, [out.ptr, ptrOf(x), outer, n, inner, log ? 1 : 0]);
  }
  return out;
}
