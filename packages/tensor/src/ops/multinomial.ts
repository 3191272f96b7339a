import { noGradSync } from '../autograd/grad-mode';
import { isFloat } from '../dtype';
import { DTypeError, fmtShape, ValueError } from '../errors';
import type { Generator } from '../random/generator';
import type { Tensor } from '../tensor';
import { rand } from './random';
import { argmax } from './reduce';
import { topk } from './topk';

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false, as PyTorch: each row's samples are distinct categories). */
  replacement?: boolean;
  /** Generator to draw from; the default (seeded by `manualSeed`) otherwise. */
  generator?: Generator;
}

/**
 * Draws `numSamples` category indices from each row of `weights` (`[C]` or `[N, C]`, non-negative,
 * need not sum to 1), as `torch.multinomial`: int32 `[numSamples]` or `[N, numSamples]`. Without
 * replacement the samples of a row are distinct, in the order they were drawn.
 *
 * Sampling is the Gumbel-max trick over the seeded counter-based generator (`argmax(log w + g)`, and
 * its top-k for draws without replacement): elementwise ops and an arg-reduction, so it runs on every
 * backend, and the same seed draws the same categories.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const next = multinomial(logits.div(0.8).softmax(-1), 1); // sample the next word
 * ```
 */
export function multinomial(weights: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const op = 'multinomial';
  if (!isFloat(weights.dtype)) {
    throw new DTypeError(`${op}: weights must be a floating-point tensor, got ${weights.dtype}`);
  }
  if (weights.ndim !== 1 && weights.ndim !== 2) {
    throw new ValueError(`${op}: weights must be [C] or [N, C], got ${fmtShape(weights.shape)}`);
  }
  const replacement = options.replacement ?? false;
  const classes = weights.shape[weights.ndim - 1];
  if (!Number.isInteger(numSamples) || numSamples < 1) {
    throw new ValueError(`${op}: numSamples must be a positive integer, got ${numSamples}`);
  }
  if (!replacement && numSamples > classes) {
    throw new ValueError(
      `${op}: cannot draw ${numSamples} samples without replacement from ${classes} categories`,
    );
  }
  checkWeights(weights, replacement ? 1 : numSamples);
  return noGradSync(() => {
    const w = weights.ndim === 1 ? weights.unsqueeze(0) : weights.detach();
    const rows = w.shape[0];
    const logw = w.log(); // -inf for zero weights: never drawn
    const gumbel = (shape: number[]) =>
      rand(shape, { dtype: w.dtype, backend: w.backend, generator: options.generator })
        .log()
        .neg()
        .log()
        .neg();
    const draws = replacement
      ? argmax(logw.unsqueeze(1).add(gumbel([rows, numSamples, classes])), 2)
      : topk(logw.add(gumbel([rows, classes])), numSamples, 1).indices;
    return weights.ndim === 1 ? draws.squeeze(0) : draws;
  });
}

/** Weights must be finite, non-negative, with enough non-zero categories per row (where readable). */
function checkWeights(weights: Tensor, needed: number): void {
  const read = weights.backend.readSync;
  if (!read) return;
  const data = read.call(weights.backend, weights.storage, weights.dtype, weights.size);
  const classes = weights.shape[weights.ndim - 1];
  for (let r = 0; r < data.length / classes; r++) {
    let nonZero = 0;
    for (let c = 0; c < classes; c++) {
      const v = data[r * classes + c];
      if (!(v >= 0) || v === Infinity) {
        throw new ValueError(
          `multinomial: weights must be finite and non-negative, got ${v} in row ${r}, category ${c}`,
        );
      }
      if (v > 0) nonZero++;
    }
    if (nonZero < needed) {
      throw new ValueError(
        `multinomial: row ${r} has ${nonZero} categories with non-zero weight, ${needed === 1 ? 'expected at least one' : `cannot draw ${needed} without replacement`}`,
      );
    }
  }
}
