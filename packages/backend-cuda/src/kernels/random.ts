import { type DType, type RandomKind, type Shape, sizeOf } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import type { CudaStorage } from '../device/storage';
import { alloc } from './elementwise';
import { FLOAT_DTYPES, perDtype, pick } from './spec';

const RANDOM = perDtype('random', 'random', FLOAT_DTYPES, ['ptr', 'i32', 'u32', 'u32', 'u32', 'u32', 'i32']);

/** Philox-4x32-10 fill, element i = lane i % 4 of block counter + floor(i / 4) (the counter is 64-bit). */
export function random(
  ctx: CudaContext,
  kind: RandomKind,
  shape: Shape,
  dtype: DType,
  key: readonly [number, number],
  counter: number,
): CudaStorage {
  const n = sizeOf(shape);
  const out = alloc(ctx, dtype, n, 'random');
  ctx.run(pick(RANDOM, dtype, 'random'), Math.ceil(n / 4), [
    out.ptr,
    n,
    counter % 4294967296,
    Math.floor(counter / 4294967296),
    key[0] >>> 0,
    key[1] >>> 0,
    kind === 'normal' ? 1 : 0,
  ]);
  return out;
}
