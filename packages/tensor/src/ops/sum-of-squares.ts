import { isFloat } from '../dtype';
import { DTypeError, ValueError } from '../errors';
import { sameBackend, type Tensor } from '../tensor';
import { cast, mul } from './elementwise';
import { type FusedOp, runFused } from './fused';
import { sum } from './reduce';
import { stack } from './shape';

/**
 * `Σ x²` over every element of every input, as one scalar: the squared 2-norm of several tensors taken
 * together (what `clip_grad_norm_` needs of all the gradients). A fused op: a backend's kernel makes one
 * pass per tensor without materializing the squares; the composite squares, sums each tensor and adds
 * the sums. The result's dtype is float64 if an input is, else float32.
 */
export const sumOfSquaresOp: FusedOp = {
  name: 'sumOfSquares',
  composite(inputs) {
    const dtype = resultDType(inputs);
    return [sum(stack(inputs.map((t) => cast(sum(mul(t, t)), dtype))))];
  },
  outputs(inputs) {
    return [{ shape: [], dtype: resultDType(inputs) }];
  },
};

function resultDType(inputs: readonly Tensor[]): 'float32' | 'float64' {
  return inputs.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
}

/**
 * The sum of the squares of all elements of `tensors` (float tensors on one backend), as a 0-d tensor:
 * `sumOfSquares(grads).sqrt()` is their total 2-norm.
 *
 * @example
 * ```ts
 * sumOfSquares([tensor([3]), tensor([[4]])]).itemSync(); // 25
 * ```
 */
export function sumOfSquares(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new ValueError('sumOfSquares: expected at least one tensor, got none');
  sameBackend('sumOfSquares', tensors);
  for (const t of tensors) {
    if (!isFloat(t.dtype))
      throw new DTypeError(`sumOfSquares: expected floating-point tensors, got ${t.dtype}`);
  }
  return runFused(sumOfSquaresOp, tensors)[0];
}
