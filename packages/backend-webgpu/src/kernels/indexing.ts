import type { Shape, TensorSpec } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { contiguousStrides, sizeOf, splitAround } from './layout-math';
import { declare, grid, INDEX_FLAG, indexCheck, main1d, wgslType } from './wgsl';

/** Output columns one indexAdd thread owns: enough work per thread, enough threads per row. */
const INDEX_ADD_COLUMNS = 32;

/**
 * `out[o, i, j] = x[o, index[i], j]` over `[outer, n, inner]`: one thread per output element. An index
 * outside `[0, n)` is reported through the index-error flag and gives zeros.
 */
export function indexSelect(ctx: GPUContext, x: TensorSpec, axis: number, index: TensorSpec): GPUStorage {
  wgslType(x.dtype);
  const [outer, n, inner] = splitAround(x.shape, axis, axis);
  const m = sizeOf(index.shape);
  const total = outer * m * inner;
  const out = output(ctx, total);
  const site = ctx.indexFlag.site('indexSelect');
  ctx.dispatch(
    'indexSelect',
    () => ({
      code: `${declare([
        ['xs', 'read', 'u32'],
        ['idx', 'read', 'i32'],
        ['dst', 'write', 'u32'],
        INDEX_FLAG,
      ])}${indexCheck(site)}${main1d(`  let m = p(1u);
  let inner = p(2u);
  let j = i % inner;
  let t = i / inner;
  let k = t % m;
  let v = idx[k];
  if (!index_ok(v, p(3u), k)) { dst[i] = 0u; return; }
  dst[i] = xs[((t / m) * p(3u) + u32(v)) * inner + j];`)}`,
      bindings: ['read', 'read', 'write', 'write'],
    }),
    [bufferOf(x), bufferOf(index), out.buffer, ctx.indexFlag.bind()],
    new Params('indexSelect').u(total, m, Math.max(inner, 1), n).words,
    grid(total),
  );
  return out;
}

/**
 * `zeros(shape).index_add_(axis, index, src)` without atomics (WGSL has none for f32): each thread owns
 * a run of columns of one output row `(o, r)`, zeroes it, scans the index list in order and adds every
 * source row that lands on `r`. The order of the additions is the CPU backend's, so sums match it.
 * An index outside `[0, n)` is reported through the index-error flag and its source row skipped.
 */
export function indexAdd(
  ctx: GPUContext,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): GPUStorage {
  const out = output(ctx, sizeOf(shape));
  addRows(ctx, out.buffer, shape, axis, index, src, false);
  return out;
}

/**
 * `dst[o, index[i], j] += src[o, i, j]` in place (`Backend.indexAddInto`): the same kernel as
 * {@link indexAdd}, starting from `dst`'s values instead of zeros.
 */
export function indexAddInto(
  ctx: GPUContext,
  dst: TensorSpec,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): boolean {
  if (dst.dtype !== 'float32' || src.dtype !== 'float32') return false;
  addRows(ctx, bufferOf(dst), dst.shape, axis, index, src, true);
  return true;
}

/** The indexAdd kernel into `dst` (`shape`); `accumulate` keeps `dst`'s values, else zeroes first. */
function addRows(
  ctx: GPUContext,
  dst: GPUBuffer,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
  accumulate: boolean,
): void {
  const t = wgslType(src.dtype);
  const [outer, n, inner] = splitAround(shape, axis, axis);
  const m = sizeOf(index.shape);
  const cols = Math.min(Math.max(inner, 1), INDEX_ADD_COLUMNS);
  const chunks = Math.ceil(inner / cols);
  const threads = outer * n * chunks;
  const op = accumulate ? 'indexAddInto' : 'indexAdd';
  const site = ctx.indexFlag.site(op);
  ctx.dispatch(
    `${op}:${t}`,
    () => ({
      code: `${declare([
        ['src', 'read', t],
        ['idx', 'read', 'i32'],
        ['dst', 'write', t],
        INDEX_FLAG,
      ])}${indexCheck(site)}${main1d(`  let n = p(1u);
  let inner = p(2u);
  let m = p(3u);
  let cols = p(4u);
  let chunks = p(5u);
  let row = i / chunks;
  let j0 = (i % chunks) * cols;
  let j1 = min(j0 + cols, inner);
  let r = row % n;
  let o = row / n;
  let base = row * inner;
${
  accumulate
    ? ''
    : `  for (var j = j0; j < j1; j++) { dst[base + j] = ${t}(0); }
`
}  for (var q = 0u; q < m; q++) {
    let v = idx[q];
    if (u32(v) == r) {
      let sb = (o * m + q) * inner;
      for (var j = j0; j < j1; j++) { dst[base + j] += src[sb + j]; }
    } else if (u32(v) >= n) {
      _ = index_ok(v, n, q);
    }
  }`)}`,
      bindings: ['read', 'read', 'write', 'write'],
    }),
    [bufferOf(src), bufferOf(index), dst, ctx.indexFlag.bind()],
    new Params(op).u(threads, n, inner, m, cols, chunks).words,
    grid(threads),
  );
}

/**
 * `torch.gather(x, axis, index)`: one thread per index element. An index outside
 * `[0, x.shape[axis])` is reported through the index-error flag and gives zero.
 */
export function gather(ctx: GPUContext, x: TensorSpec, axis: number, index: TensorSpec): GPUStorage {
  wgslType(x.dtype);
  const total = sizeOf(index.shape);
  const out = output(ctx, total);
  const rank = index.shape.length;
  const site = ctx.indexFlag.site('gather');
  ctx.dispatch(
    'gather',
    () => ({
      code: `${declare([
        ['xs', 'read', 'u32'],
        ['idx', 'read', 'i32'],
        ['dst', 'write', 'u32'],
        INDEX_FLAG,
      ])}${indexCheck(site)}${main1d(`  let rank = p(1u);
  let axis = p(2u);
  var rem = i;
  var off = 0u;
  for (var d = rank; d > 0u; d--) {
    let dd = d - 1u;
    let size = p(3u + dd);
    let c = rem % size;
    rem = rem / size;
    if (dd != axis) { off += c * p(3u + rank + dd); }
  }
  let v = idx[i];
  if (!index_ok(v, p(3u + 2u * rank), i)) { dst[i] = 0u; return; }
  dst[i] = xs[off + u32(v) * p(3u + rank + axis)];`)}`,
      bindings: ['read', 'read', 'write', 'write'],
    }),
    [bufferOf(x), bufferOf(index), out.buffer, ctx.indexFlag.bind()],
    new Params('gather')
      .u(total, rank, axis)
      .u(...index.shape)
      .u(...contiguousStrides(x.shape))
      .u(x.shape[axis]).words,
    grid(total),
  );
  return out;
}

/**
 * `zeros(shape).scatter_add_(axis, index, src)` without atomics: one thread per output element sums,
 * in index order, the sources whose index points at it (the CPU backend's order, so sums match). An
 * index outside `[0, shape[axis])` is reported through the index-error flag and its source skipped.
 */
export function scatterAdd(
  ctx: GPUContext,
  shape: Shape,
  axis: number,
  index: TensorSpec,
  src: TensorSpec,
): GPUStorage {
  const t = wgslType(src.dtype);
  const total = sizeOf(shape);
  const out = output(ctx, total);
  const rank = shape.length;
  const site = ctx.indexFlag.site('scatterAdd');
  ctx.dispatch(
    `scatterAdd:${t}`,
    () => ({
      code: `${declare([
        ['src', 'read', t],
        ['idx', 'read', 'i32'],
        ['dst', 'write', t],
        INDEX_FLAG,
      ])}${indexCheck(site)}${main1d(`  let rank = p(1u);
  let axis = p(2u);
  var rem = i;
  var base = 0u;
  var inside = true;
  var tgt = 0u;
  for (var d = rank; d > 0u; d--) {
    let dd = d - 1u;
    let size = p(3u + dd);
    let c = rem % size;
    rem = rem / size;
    if (dd == axis) {
      tgt = c;
    } else {
      if (c >= p(3u + rank + dd)) { inside = false; }
      base += c * p(3u + 2u * rank + dd);
    }
  }
  var acc = ${t}(0);
  if (inside) {
    let len = p(3u + rank + axis);
    let stp = p(3u + 2u * rank + axis);
    let limit = p(3u + axis);
    for (var k = 0u; k < len; k++) {
      let at = base + k * stp;
      let v = idx[at];
      if (u32(v) == tgt) {
        acc += src[at];
      } else if (u32(v) >= limit) {
        _ = index_ok(v, limit, at);
      }
    }
  }
  dst[i] = acc;`)}`,
      bindings: ['read', 'read', 'write', 'write'],
    }),
    [bufferOf(src), bufferOf(index), out.buffer, ctx.indexFlag.bind()],
    new Params('scatterAdd')
      .u(total, rank, axis)
      .u(...shape)
      .u(...index.shape)
      .u(...contiguousStrides(index.shape)).words,
    grid(total),
  );
  return out;
}
