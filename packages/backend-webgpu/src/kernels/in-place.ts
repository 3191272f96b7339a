import type { TensorSpec } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf } from '../device/storage';
import { sizeOf } from './layout-math';
import { declare, grid, main1d } from './wgsl';

/**
 * `dst += src` in place (`Backend.addInto`): the autograd engine adds a gradient into a running sum it
 * allocated itself, instead of allocating a new sum. float32 only (the other dtypes are declined).
 */
export function addInto(ctx: GPUContext, dst: TensorSpec, src: TensorSpec): boolean {
  if (dst.dtype !== 'float32' || src.dtype !== 'float32') return false;
  const n = sizeOf(dst.shape);
  if (n === 0) return true;
  ctx.dispatch(
    'addInto:f32',
    () => ({
      code: `${declare([
        ['src', 'read', 'f32'],
        ['dst', 'write', 'f32'],
      ])}${main1d('  dst[i] = dst[i] + src[i];')}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(src), bufferOf(dst)],
    new Params('addInto').u(n).words,
    grid(n),
  );
  return true;
}
