import {
  DTypeError,
  type Generator,
  multinomial,
  ShapeError,
  type Tensor,
  ValueError,
  where,
} from '@rnn/tensor';
import { readIfHost, sameShape, shapeOf } from './common';

/** How a {@link Categorical} is given: unnormalised log-probabilities or probabilities (exactly one). */
export type CategoricalParams = { logits: Tensor; probs?: undefined } | { probs: Tensor; logits?: undefined };

/** Options of {@link Categorical}. */
export interface CategoricalOptions {
  /**
   * Which categories may be chosen: bool, the parameters' shape `[...batch, C]`, `true` = allowed.
   * A masked category has probability 0: it is never sampled, its `logProb` is `-Infinity`, and it
   * adds nothing to the entropy (and no NaN to any gradient). Every row needs one allowed category.
   */
  mask?: Tensor;
  /**
   * Check the arguments' values (non-negative probabilities, a valid category in every row of the
   * mask, sampled values in range) where the backend reads synchronously (the CPU). Default `true`;
   * the checks cost one read of the mask or probabilities.
   */
  validateArgs?: boolean;
}

/** Options of {@link Categorical.sample} and {@link Bernoulli.sample}. */
export interface SampleOptions {
  /** Draw from this generator instead of the default one (seeded by `manualSeed`). */
  generator?: Generator;
  /** Leading shape of independent draws (default `[]`: one draw per distribution). */
  sampleShape?: readonly number[];
}

/**
 * A categorical distribution over `C` categories for every position of a batch shape, as
 * `torch.distributions.Categorical`: parameters `[...batch, C]`, values int32 `[...sample, ...batch]`.
 *
 * With a `mask`, categories that are not allowed get probability zero (the invalid actions of a
 * policy: SPINN's tracker may not REDUCE with fewer than two items on the stack). Sampling is
 * `@rnn/tensor`'s seeded `multinomial` (Gumbel-max over the counter-based generator), so the same
 * seed draws the same actions on every backend.
 *
 * @example
 * ```ts
 * const policy = new Categorical({ logits: scores }, { mask: allowed });   // scores [B, 2]
 * const action = policy.sample();                                         // int32 [B]
 * const logProb = policy.logProb(action);                                 // [B], differentiable
 * const bonus = policy.entropy().mean();
 * const greedy = policy.mode();                                           // evaluation
 * ```
 */
export class Categorical {
  /** Normalised log-probabilities `[...batch, C]` (`-Infinity` for masked categories). */
  readonly logits: Tensor;
  /** The allowed categories (bool `[...batch, C]`), or `null` when every category is. */
  readonly mask: Tensor | null;
  /** The shape of the batch of distributions (the parameters' shape without the last dimension). */
  readonly batchShape: readonly number[];
  /** The number of categories `C`. */
  readonly numCategories: number;
  private readonly validate: boolean;
  private _probs: Tensor | null = null;

  constructor(params: CategoricalParams, options: CategoricalOptions = {}) {
    const given = params.logits ?? params.probs;
    if ((params.logits === undefined) === (params.probs === undefined)) {
      throw new ValueError('Categorical: pass exactly one of logits and probs');
    }
    const what = params.logits !== undefined ? 'logits' : 'probs';
    if (given.dtype !== 'float32' && given.dtype !== 'float64') {
      throw new DTypeError(`Categorical: ${what} must be float32 or float64, got ${given.dtype}`);
    }
    if (given.ndim < 1) {
      throw new ShapeError(`Categorical: ${what} must have at least one dimension [..., C], got a scalar`);
    }
    this.numCategories = given.shape[given.ndim - 1];
    if (this.numCategories < 1) throw new ShapeError(`Categorical: ${what} has no categories`);
    this.batchShape = given.shape.slice(0, -1);
    this.validate = options.validateArgs ?? true;
    const mask = options.mask ?? null;
    if (mask) {
      if (mask.dtype !== 'bool') throw new DTypeError(`Categorical: mask must be bool, got ${mask.dtype}`);
      if (!sameShape(mask.shape, given.shape)) {
        throw new ShapeError(
          `Categorical: mask must have the ${what}' shape ${shapeOf(given)}, got ${shapeOf(mask)}`,
        );
      }
      if (this.validate) checkMaskRows(mask, this.numCategories);
    }
    if (params.probs !== undefined) {
      if (this.validate) checkProbs(params.probs);
      // Zero probabilities behave as masked categories (log 0 = -inf without a NaN gradient).
      const positive = params.probs.gt(0);
      const allowed = mask ? mask.logicalAnd(positive) : positive;
      const p = params.probs.div(params.probs.sum(-1, true));
      this.logits = where(allowed, where(allowed, p, 1).log(), Number.NEGATIVE_INFINITY);
      this.mask = allowed;
    } else {
      const logits = mask
        ? params.logits.maskedFill(mask.logicalNot(), Number.NEGATIVE_INFINITY)
        : params.logits;
      this.logits = logits.logSoftmax(-1);
      this.mask = mask;
    }
  }

  /** Probabilities `[...batch, C]` (zero for masked categories). */
  get probs(): Tensor {
    this._probs ??= this.logits.exp();
    return this._probs;
  }

  /**
   * Draws one category per distribution (int32 `[...batch]`), or `[...sampleShape, ...batch]`
   * independent draws. Not differentiable: use {@link logProb} of the result for gradients.
   */
  sample(options: SampleOptions = {}): Tensor {
    const sampleShape = options.sampleShape ?? [];
    const n = sampleShape.reduce((a, b) => a * b, 1);
    const rows = this.batchShape.reduce((a, b) => a * b, 1);
    const weights = this.probs.detach().reshape([rows, this.numCategories]);
    // [rows, n] draws with replacement from each row, then sample dimensions first.
    const draws = multinomial(weights, n, { replacement: true, generator: options.generator });
    return draws.transpose(0, 1).reshape([...sampleShape, ...this.batchShape]);
  }

  /**
   * Log-probability of `value` (int32, `[...batch]` or `[...sample, ...batch]`), differentiable in
   * the parameters; `-Infinity` for a masked category.
   */
  logProb(value: Tensor): Tensor {
    if (value.dtype !== 'int32') {
      throw new DTypeError(`Categorical.logProb: value must be int32 category indices, got ${value.dtype}`);
    }
    const k = this.batchShape.length;
    const tail = value.shape.slice(value.ndim - k);
    if (value.ndim < k || !sameShape(tail, this.batchShape)) {
      throw new ShapeError(
        `Categorical.logProb: value must be [...sample, ${this.batchShape.join(', ')}] (the batch shape), got ${shapeOf(value)}`,
      );
    }
    if (this.validate) checkRange(value, this.numCategories);
    const logits = value.ndim === k ? this.logits : this.logits.expand([...value.shape, this.numCategories]);
    return logits.gather(-1, value.unsqueeze(-1)).squeeze(-1);
  }

  /** Entropy `−Σ p log p` per distribution (`[...batch]`), in nats; masked categories add nothing. */
  entropy(): Tensor {
    const logp = this.mask ? where(this.mask, this.logits, 0) : this.logits;
    return this.probs.mul(logp).sum(-1).neg();
  }

  /** The most probable category (int32 `[...batch]`; the first one on ties): the greedy action. */
  mode(): Tensor {
    return this.logits.argmax(-1);
  }
}

/** Every row of the mask must allow at least one category. */
function checkMaskRows(mask: Tensor, classes: number): void {
  const data = readIfHost(mask);
  if (!data) return;
  for (let r = 0; r < data.length / classes; r++) {
    let any = false;
    for (let c = 0; c < classes && !any; c++) any = data[r * classes + c] !== 0;
    if (!any) throw new ValueError(`Categorical: mask row ${r} allows no category (every row needs one)`);
  }
}

/** Probabilities must be finite and non-negative with a positive sum per row. */
function checkProbs(probs: Tensor): void {
  const data = readIfHost(probs);
  if (!data) return;
  const classes = probs.shape[probs.ndim - 1];
  for (let r = 0; r < data.length / classes; r++) {
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const v = data[r * classes + c];
      if (!(v >= 0) || v === Number.POSITIVE_INFINITY) {
        throw new ValueError(`Categorical: probs must be finite and non-negative, got ${v} in row ${r}`);
      }
      total += v;
    }
    if (!(total > 0)) throw new ValueError(`Categorical: probs row ${r} sums to 0`);
  }
}

function checkRange(value: Tensor, classes: number): void {
  const data = readIfHost(value);
  if (!data) return;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= classes) {
      throw new ValueError(
        `Categorical.logProb: expected category indices in [0, ${classes}), got ${data[i]} at ${i}`,
      );
    }
  }
}
