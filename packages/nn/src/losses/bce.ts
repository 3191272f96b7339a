import { exp, log, ShapeError, type Tensor } from '@rnn/tensor';
import { sameShape } from './mse';
import { checkFloat, checkReduction, type Reduction, reduce } from './reduction';

/** Options of {@link binaryCrossEntropyWithLogits} (PyTorch's arguments and defaults). */
export interface BceWithLogitsOptions {
  /** Rescales each element's loss; must broadcast to the input's shape. */
  weight?: Tensor;
  /** Weight of the positive term, broadcast along the last dimension (e.g. `[C]` for multi-label). */
  posWeight?: Tensor;
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/**
 * Sigmoid + binary cross-entropy in one numerically stable expression, like
 * `torch.nn.functional.binary_cross_entropy_with_logits`:
 * `ℓ = (1 - y)·x + (1 + (p - 1)·y)·log(1 + e^{-x})`, with `log(1 + e^{-x})` evaluated as
 * `m + log(e^{-m} + e^{-x-m})`, `m = max(-x, 0)`, so large logits of either sign never overflow.
 * `target` holds probabilities in [0, 1] and has the input's shape.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BceWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, options.reduction);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  if (!sameShape(input, target)) {
    throw new ShapeError(
      `${op}: target shape [${target.shape.join(', ')}] must equal the input's [${input.shape.join(', ')}]`,
    );
  }
  const y = target.dtype === input.dtype ? target : target.asType(input.dtype);
  const m = input.neg().clamp(0);
  const softplusNeg = log(exp(m.neg()).add(exp(input.neg().sub(m)))).add(m);
  let loss: Tensor;
  if (options.posWeight) {
    checkFloat(op, 'posWeight', options.posWeight);
    const logWeight = like(options.posWeight, input).sub(1).mul(y).add(1);
    loss = y.neg().add(1).mul(input).add(logWeight.mul(softplusNeg));
  } else {
    loss = y.neg().add(1).mul(input).add(softplusNeg);
  }
  if (options.weight) {
    checkFloat(op, 'weight', options.weight);
    loss = loss.mul(like(options.weight, input));
  }
  if (!sameShape(loss, input)) {
    throw new ShapeError(
      `${op}: weight and posWeight must broadcast to the input's shape [${input.shape.join(', ')}], ` +
        `but they give [${loss.shape.join(', ')}]`,
    );
  }
  return reduce(loss, reduction);
}

function like(t: Tensor, input: Tensor): Tensor {
  return t.dtype === input.dtype ? t : t.asType(input.dtype);
}
