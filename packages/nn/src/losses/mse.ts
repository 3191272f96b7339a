import { ShapeError, type Tensor } from '@rnn/tensor';
import { checkFloat, checkReduction, type Reduction, reduce } from './reduction';

/** Options of {@link mseLoss}. */
export interface MseLossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/**
 * Mean squared error `(input - target)²`, like `torch.nn.functional.mse_loss`. Unlike PyTorch, which
 * broadcasts different shapes with only a warning (almost always a bug), shapes must be equal.
 */
export function mseLoss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  const op = 'mseLoss';
  const reduction = checkReduction(op, options.reduction);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  if (!sameShape(input, target)) {
    throw new ShapeError(
      `${op}: target shape [${target.shape.join(', ')}] differs from the input's [${input.shape.join(', ')}] ` +
        '(expand it explicitly if broadcasting is meant)',
    );
  }
  return reduce(input.sub(target).square(), reduction);
}

/** @internal */
export function sameShape(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]);
}
