import type { Shape, TensorSpec } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output, walkOffsets } from './common';
import { collapse, sizeOf, splitAround } from './layout-math';
import { declare, grid, main1d, wgslType } from './wgsl';

/**
 * `out[idx] = x[offset + sum(idx_d * strides_d)]` (strides may be 0 or negative): permute, expand,
 * slice with step and flip. Moves 4-byte words, so one kernel serves every dtype.
 */
export function strided(
  ctx: GPUContext,
  x: TensorSpec,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): GPUStorage {
  wgslType(x.dtype);
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  const c = collapse(outShape, [strides]);
  const params = new Params('strided')
    .u(n, c.shape.length)
    .u(...c.shape)
    .i(...c.strides[0])
    .i(offset);
  ctx.dispatch(
    'strided',
    () => ({
      code: `${declare([
        ['xs', 'read', 'u32'],
        ['dst', 'write', 'u32'],
      ])}${main1d(`${walkOffsets(1, true)}
  dst[i] = xs[u32(o0 + pi(2u + 2u * rank))];`)}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(x), out.buffer],
    params.words,
    grid(n),
  );
  return out;
}

/**
 * Concatenation along `axis`: one dispatch per input, each copying its `[outer, block]` rows into
 * its column range of the output (so any number of inputs works within the binding limits).
 */
export function concat(ctx: GPUContext, xs: readonly TensorSpec[], axis: number): GPUStorage {
  wgslType(xs[0].dtype);
  const [outer] = splitAround(xs[0].shape, axis, axis);
  const blocks = xs.map((x) => sizeOf(x.shape.slice(axis)));
  const outBlock = blocks.reduce((a, b) => a + b, 0);
  const out = output(ctx, outer * outBlock);
  let at = 0;
  xs.forEach((x, k) => {
    const n = outer * blocks[k];
    ctx.dispatch(
      'concat',
      () => ({
        code: `${declare([
          ['xs', 'read', 'u32'],
          ['dst', 'write', 'u32'],
        ])}${main1d(`  let block = p(1u);
  dst[(i / block) * p(2u) + p(3u) + i % block] = xs[i];`)}`,
        bindings: ['read', 'write'],
      }),
      [bufferOf(x), out.buffer],
      new Params('concat').u(n, blocks[k], outBlock, at).words,
      grid(n),
    );
    at += blocks[k];
  });
  return out;
}

/**
 * Copies `n` words from `src` (from element `srcOffset`) to `dst` (from `dstOffset`): a state copy
 * recorded among the kernels of a step, where a queue copy would end the compute pass.
 */
export function copyWords(
  ctx: GPUContext,
  src: GPUBuffer,
  srcOffset: number,
  dst: GPUBuffer,
  dstOffset: number,
  n: number,
): void {
  ctx.dispatch(
    'copyWords',
    () => ({
      code: `${declare([
        ['xs', 'read', 'u32'],
        ['dst', 'write', 'u32'],
      ])}${main1d('  dst[p(2u) + i] = xs[p(1u) + i];')}`,
      bindings: ['read', 'write'],
    }),
    [src, dst],
    new Params('copyWords').u(n, srcOffset, dstOffset).words,
    grid(n),
  );
}
