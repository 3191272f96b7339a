import type { Tensor } from '../tensor';
import { mul, oneMinus } from './elementwise';
import { type FusedOp, runFused } from './fused';

/**
 * The gradients of `tanh` and `sigmoid` from their output `y` and the incoming gradient `g`, as
 * fused ops: one pass and one buffer instead of three ops and three buffers (PyTorch has
 * `tanh_backward` / `sigmoid_backward` for the same reason). Backends without these kernels run
 * the composites, the formulas the backward used before.
 */
const shapeOfY: FusedOp['outputs'] = ([y]) => [{ shape: y.shape, dtype: y.dtype }];

/** `g · (1 − y²)`: inputs `[y, g]`, `y = tanh(x)`. */
export const tanhGradOp: FusedOp = {
  name: 'tanhGrad',
  composite: ([y, g]) => [mul(g, oneMinus(mul(y, y)))],
  outputs: shapeOfY,
};

/** `g · y · (1 − y)`: inputs `[y, g]`, `y = sigmoid(x)`. */
export const sigmoidGradOp: FusedOp = {
  name: 'sigmoidGrad',
  composite: ([y, g]) => [mul(g, mul(y, oneMinus(y)))],
  outputs: shapeOfY,
};

/** The gradient of `tanh` at output `y` for incoming gradient `g` (same shape and dtype). */
export function tanhGrad(y: Tensor, g: Tensor): Tensor {
  return runFused(tanhGradOp, [y, g])[0];
}

/** The gradient of `sigmoid` at output `y` for incoming gradient `g` (same shape and dtype). */
export function sigmoidGrad(y: Tensor, g: Tensor): Tensor {
  return runFused(sigmoidGradOp, [y, g])[0];
}
