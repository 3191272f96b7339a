import type { TensorSpec } from '../../backend/backend';
import { sizeOf } from '../../shape';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { indexAddInto as indexAddRows } from './indexing';

/**
 * The CPU backend's in-place primitives (`Backend.addInto`, `Backend.indexAddInto`): the autograd
 * engine adds gradients straight into a running sum it owns. Float storage only; anything else is
 * declined (false) and summed out of place.
 */

/** `dst += src` for float tensors of one shape. */
export function addInto(dst: TensorSpec, src: TensorSpec): boolean {
  const d = dst.storage;
  const s = src.storage;
  const n = sizeOf(dst.shape);
  if (d instanceof Float32Array && s instanceof Float32Array) {
    if (d.length < n || s.length < n) return false;
    const acc = getCpuAccelerator();
    // The native loop reads element i of both operands before it writes element i of the output,
    // so an output that is exactly the first operand is safe.
    if (acc?.binary && n >= NATIVE_MIN_ELEMENTS) acc.binary(0, n, d, s, d);
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

/** `dst[..., index[i], ...] += src[..., i, ...]` along `axis`, for float tensors. */
export function indexAddInto(dst: TensorSpec, axis: number, index: TensorSpec, src: TensorSpec): boolean {
  const d = dst.storage;
  const s = src.storage;
  const i = index.storage;
  const float =
    (d instanceof Float32Array && s instanceof Float32Array) ||
    (d instanceof Float64Array && s instanceof Float64Array);
  if (!float || !(i instanceof Int32Array)) return false;
  indexAddRows(d as Float32Array | Float64Array, dst.shape, axis, i, s as Float32Array | Float64Array);
  return true;
}
