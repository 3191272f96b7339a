import { noGradSync } from '../autograd/grad-mode';
import { isFloat } from '../dtype';
import { DTypeError, fmtShape, ValueError } from '../errors';
import { normalizeAxis } from '../shape';
import type { Tensor } from '../tensor';
import { arange } from './creation';
import { where } from './elementwise';
import { gather } from './indexing';
import { argmax, argmin } from './reduce';
import { cat } from './shape';

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The `k` largest (default) or, when false, the `k` smallest. */
  largest?: boolean;
}

/** The result of {@link topk}: values and their int32 indices along the dimension, in order. */
export interface TopkResult {
  values: Tensor;
  indices: Tensor;
}

/**
 * The `k` largest (or smallest) elements along `dim`, sorted, as `torch.topk`: `values` and int32
 * `indices` of the input's shape with `dim` cut to `k`. Ties keep the lower index first. `values` is
 * differentiable (it is `gather(x, dim, indices)`).
 *
 * Built from the backend's arg-reductions: `k` passes over `x`, meant for small `k` (top-k sampling,
 * beam search, the best few classes).
 *
 * @example
 * ```ts
 * const { values, indices } = topk(tensor([1, 5, 3, 4]), 2); // [5, 4], [1, 3]
 * ```
 */
export function topk(x: Tensor, k: number, dim = -1, options: TopkOptions = {}): TopkResult {
  const op = 'topk';
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
  if (x.ndim === 0)
    throw new ValueError(`${op}: expected a tensor with at least one dimension, got a scalar`);
  const d = normalizeAxis(op, dim, x.ndim);
  const n = x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError(
      `${op}: k must be an integer in [0, ${n}] for dimension ${dim} of ${fmtShape(x.shape)}, got ${k}`,
    );
  }
  const largest = options.largest ?? true;
  const indices = noGradSync(() => {
    if (k === 0) {
      const shape = [...x.shape];
      shape[d] = 0;
      return arange(0, 0, 1, { dtype: 'int32', backend: x.backend }).reshape(shape);
    }
    // Positions along `dim`, shaped to broadcast against `x`, to mask out each pass's winner.
    const posShape = x.shape.map((s, i) => (i === d ? s : 1));
    const positions = arange(0, n, 1, { dtype: 'int32', backend: x.backend }).reshape(posShape);
    const done = largest ? -Infinity : Infinity;
    const picks: Tensor[] = [];
    let rest = x.detach();
    for (let i = 0; i < k; i++) {
      const pick = largest ? argmax(rest, d, true) : argmin(rest, d, true);
      picks.push(pick);
      if (i + 1 < k) rest = where(positions.eq(pick), done, rest);
    }
    return picks.length === 1 ? picks[0] : cat(picks, d);
  });
  return { values: gather(x, d, indices), indices };
}
