import { clipGradNormAsync, clipGradValue } from '@rnn/nn';
import type { Tensor } from '@rnn/tensor';

/** What {@link backwardStep} needs of an optimizer (any `@rnn/nn` optimizer). */
export interface SteppableOptimizer {
  /** Its parameters, by group. */
  paramGroups: readonly { params: readonly Tensor[] }[];
  /** Drops the gradients. */
  zeroGrad(): void;
  /** Updates the parameters. */
  step(): void;
}

/** Options of {@link backwardStep}. */
export interface BackwardStepOptions {
  /** Clip the gradients' total 2-norm to this (`clipGradNorm`); the norm before clipping is returned. */
  maxGradNorm?: number;
  /** Clamp every gradient element into `[-clipValue, clipValue]` (`clipGradValue`). */
  clipValue?: number;
  /** Parameters to clip (default: every parameter of the optimizer). */
  parameters?: Iterable<Tensor>;
}

/**
 * One optimization step, PyTorch's five lines: `zeroGrad()`, `loss.backward()`, optional gradient
 * clipping, `step()`, then one read of the loss (asynchronous, so any backend works).
 *
 * @example
 * ```ts
 * trainStep: async ({ ids, labels }) => {
 *   const loss = crossEntropy(model.forward(ids), labels);
 *   return { ...(await backwardStep(loss, optimizer, { maxGradNorm: 5 })), size: labels.shape[0] };
 * }
 * ```
 */
export async function backwardStep(
  loss: Tensor,
  optimizer: SteppableOptimizer,
  options: BackwardStepOptions = {},
): Promise<{ loss: number; gradNorm?: number }> {
  optimizer.zeroGrad();
  loss.backward();
  const params = () => options.parameters ?? optimizer.paramGroups.flatMap((g) => g.params);
  let gradNorm: number | undefined;
  if (options.maxGradNorm !== undefined) gradNorm = await clipGradNormAsync(params(), options.maxGradNorm);
  if (options.clipValue !== undefined) clipGradValue(params(), options.clipValue);
  optimizer.step();
  return gradNorm === undefined ? { loss: await loss.item() } : { loss: await loss.item(), gradNorm };
}
