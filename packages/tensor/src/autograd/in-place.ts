import { getCpuAccelerator } from '../cpu/accelerator';
import { indexAddInto } from '../cpu/kernels/indexing';
import { shapesEqual } from '../shape';
import type { Tensor } from '../tensor';
import type { ScatterGrad } from './node';

/**
 * In-place updates of a gradient sum that the backward engine allocated itself (see `backward`).
 * Storage is immutable everywhere else, so these write only CPU float storage directly, and return
 * false where they cannot (other backends, other dtypes): the engine then sums out of place.
 */

/** `dst += src` for tensors of one shape and float dtype on the CPU. */
export function addInPlace(dst: Tensor, src: Tensor): boolean {
  if (dst.backend !== src.backend || dst.dtype !== src.dtype || !shapesEqual(dst.shape, src.shape))
    return false;
  const d = dst.storage;
  const s = src.storage;
  const n = dst.size;
  if (d instanceof Float32Array && s instanceof Float32Array) {
    if (d.length < n || s.length < n) return false;
    const acc = getCpuAccelerator();
    // The native loop reads element i of both operands before it writes element i of the output,
    // so an output that is exactly the first operand is safe.
    if (acc?.binary && n >= 1024) acc.binary(0, n, d, s, d);
    else for (let i = 0; i < n; i++) d[i] += s[i];
    return true;
  }
  if (d instanceof Float64Array && s instanceof Float64Array) {
    if (d.length < n || s.length < n) return false;
    for (let i = 0; i < n; i++) d[i] += s[i];
    return true;
  }
  return false;
}

/**
 * `dst[rows] += src` along `axis` (the gradient of `indexSelect` or `slice`, added straight into the
 * sum instead of first scattering into a zero tensor of `dst`'s size). The rows are `scatter.index`
 * (int32, in range) or `start + i·step` for each row `i` of `src`.
 */
export function scatterAddInPlace(dst: Tensor, scatter: ScatterGrad, src: Tensor): boolean {
  if (dst.backend !== src.backend || dst.dtype !== src.dtype) return false;
  const d = dst.storage;
  const s = src.storage;
  const float =
    (d instanceof Float32Array && s instanceof Float32Array) ||
    (d instanceof Float64Array && s instanceof Float64Array);
  if (!float || d.length !== dst.size || s.length !== src.size) return false;
  let rows: Int32Array;
  if ('index' in scatter) {
    const i = scatter.index.storage;
    if (
      scatter.index.backend !== dst.backend ||
      !(i instanceof Int32Array) ||
      i.length !== scatter.index.size
    )
      return false;
    rows = i;
  } else {
    rows = new Int32Array(src.shape[scatter.axis]);
    for (let k = 0; k < rows.length; k++) rows[k] = scatter.start + k * scatter.step;
  }
  indexAddInto(d, dst.shape, scatter.axis, rows, s);
  return true;
}
