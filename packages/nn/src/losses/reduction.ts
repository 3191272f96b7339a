import { DTypeError, type Tensor, ValueError } from '@rnn/tensor';

/**
 * How a loss combines its per-element values, as in PyTorch: `'none'` keeps them, `'sum'` adds them
 * up, `'mean'` averages them (a weighted average where the loss says so).
 */
export type Reduction = 'none' | 'mean' | 'sum';

/** @internal Validates a reduction name (PyTorch's default is `'mean'`). */
export function checkReduction(op: string, reduction: Reduction | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'none' && r !== 'mean' && r !== 'sum') {
    throw new ValueError(
      `${op}: reduction must be 'none', 'mean' or 'sum', got ${JSON.stringify(reduction)}`,
    );
  }
  return r;
}

/** @internal Applies an unweighted reduction. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/** @internal Throws a `DTypeError` unless `t` is floating-point. */
export function checkFloat(op: string, what: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(
      `${op}: ${what} must be a floating-point tensor (float32 or float64), got ${t.dtype}`,
    );
  }
}
