import { noGrad } from '@rnn/tensor';

/** A model with a training mode (an `@rnn/nn` `Module`, or anything with `training` and `train()`). */
export interface HasTrainingMode {
  /** Whether dropout and the like are active. */
  training: boolean;
  /** Sets the mode (`train(false)` is evaluation). */
  train(mode?: boolean): unknown;
}

/**
 * Runs `fn` as an evaluation: the model in evaluation mode (dropout off) and no autograd graph
 * recorded (`noGrad`, also across `await`), then puts the model back in the mode it was in, even when
 * `fn` throws. PyTorch's `model.eval()` + `with torch.no_grad():` + `model.train()`.
 *
 * @example
 * ```ts
 * const dev = await evaluate(model, async () => {
 *   const loss = new RunningMean();
 *   for (const b of devLoader) loss.add(await crossEntropy(model.forward(b.ids), b.labels).item(), b.size);
 *   return { loss: loss.mean };
 * });
 * ```
 */
export async function evaluate<T>(
  model: HasTrainingMode | null | undefined,
  fn: () => T | Promise<T>,
): Promise<T> {
  const wasTraining = model?.training ?? false;
  model?.train(false);
  try {
    return await noGrad(async () => fn());
  } finally {
    model?.train(wasTraining);
  }
}
