import { type Tensor, ValueError } from '@rnn/tensor';

/** Options of the accuracy helpers. */
export interface AccuracyOptions {
  /** Targets equal to this are left out (padding; PyTorch's default `ignore_index` is -100). */
  ignoreIndex?: number;
}

/** Correct predictions and counted targets (those not equal to `ignoreIndex`). */
export function countCorrect(
  predictions: ArrayLike<number>,
  targets: ArrayLike<number>,
  options: AccuracyOptions = {},
): { correct: number; count: number } {
  if (predictions.length !== targets.length) {
    throw new ValueError(
      `accuracy: expected as many predictions as targets, got ${predictions.length} and ${targets.length}`,
    );
  }
  let correct = 0;
  let count = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] === options.ignoreIndex) continue;
    count++;
    if (predictions[i] === targets[i]) correct++;
  }
  return { correct, count };
}

/** Fraction of predictions equal to their targets (class indices); NaN when nothing is counted. */
export function accuracy(
  predictions: ArrayLike<number>,
  targets: ArrayLike<number>,
  options: AccuracyOptions = {},
): number {
  const { correct, count } = countCorrect(predictions, targets, options);
  return count === 0 ? Number.NaN : correct / count;
}

/**
 * {@link countCorrect} for a batch of tensors: class scores `[..., C]` (argmax over the last axis)
 * or int32 predictions `[...]`, against int32 targets `[...]`. Sum `correct` and `count` over the
 * batches and divide at the end, so every example weighs the same. Reads asynchronously (any backend).
 */
export async function countCorrectTensors(
  scoresOrPredictions: Tensor,
  targets: Tensor,
  options: AccuracyOptions = {},
): Promise<{ correct: number; count: number }> {
  const predicted = predictedClasses(scoresOrPredictions, targets);
  try {
    const [p, t] = await Promise.all([predicted.data(), targets.data()]);
    return countCorrect(p, t, options);
  } finally {
    if (predicted !== scoresOrPredictions) predicted.dispose();
  }
}

/** Scores `[..., C]` → argmax over the last axis; int32 predictions of the targets' rank → themselves. */
export function predictedClasses(scoresOrPredictions: Tensor, targets: Tensor): Tensor {
  const s = scoresOrPredictions;
  if (s.shape.length === targets.shape.length + 1) return s.argmax(-1);
  if (s.dtype === 'int32' && s.shape.length === targets.shape.length) return s;
  throw new ValueError(
    `expected class scores [..., C] or int32 predictions shaped like the targets [${targets.shape.join(', ')}], ` +
      `got ${s.dtype} [${s.shape.join(', ')}]`,
  );
}

/**
 * Perplexity from a summed negative log-likelihood (natural log) and the number of tokens it covers:
 * `exp(totalNll / tokens)`, as the PyTorch word-language-model example reports it.
 */
export function perplexity(totalNll: number, tokens = 1): number {
  if (!(tokens > 0)) throw new ValueError(`perplexity: expected a positive token count, got ${tokens}`);
  return Math.exp(totalNll / tokens);
}
