import { cat, noGrad, ShapeError, type Tensor, tensor, ValueError } from '@rnn/tensor';
import { MovingAverageBaseline } from './baselines';

/** What {@link reinforceLoss} subtracts from the rewards. */
export type Baseline = MovingAverageBaseline | Tensor | number;

/** Options of {@link reinforceLoss}. */
export interface ReinforceOptions {
  /**
   * Subtracted from the rewards (detached): a {@link MovingAverageBaseline} (updated with this
   * batch's mean reward after use), a tensor broadcastable to the rewards (self-critical: the reward
   * of the greedy action, computed by you with `mode()` and no gradient), or a number.
   */
  baseline?: Baseline;
  /**
   * A learned value baseline: predictions of the reward, the rewards' shape. Used as the baseline
   * (detached) and trained by a mean squared error added to the loss with `valueCoef`. Not with
   * `baseline`.
   */
  value?: Tensor;
  /** Weight of the value loss (default 0.5). */
  valueCoef?: number;
  /**
   * Normalise the advantages over the batch to mean 0 and standard deviation 1 (unbiased), with
   * `eps` added to the deviation. A batch of one is only centred. Default false.
   */
  normalizeAdvantages?: boolean;
  /** Entropy of the policy (any shape, e.g. per decision): its mean, times `entropyCoef`, is subtracted. */
  entropy?: Tensor;
  /** Weight of the entropy bonus (default 0.01 when `entropy` is given). */
  entropyCoef?: number;
  /** Mean (default) or sum of the policy and value terms over the batch. */
  reduction?: 'mean' | 'sum';
  /** Added to the standard deviation when normalising (default 1e-8). */
  eps?: number;
}

/** The loss of {@link reinforceLoss} and its parts (call `backward()` on `loss`). */
export interface ReinforceResult {
  /** `policyLoss + valueCoef · valueLoss − entropyCoef · entropy`. */
  loss: Tensor;
  /** `−mean(advantage · logProb)`: its gradient is the score-function (REINFORCE) estimator. */
  policyLoss: Tensor;
  /** Mean squared error of the value predictions, or null without `value`. */
  valueLoss: Tensor | null;
  /** Mean entropy, or null without `entropy`. */
  entropy: Tensor | null;
  /** The advantages used (detached), the rewards' shape. */
  advantages: Tensor;
  /** The baseline subtracted (detached; a 0-d tensor for a scalar baseline). */
  baseline: Tensor;
}

/**
 * The REINFORCE (score-function) surrogate loss `−mean((R − b) · log π(a))`: minimising it follows
 * the policy gradient `E[(R − b) ∇ log π(a)]` (Williams 1992). The advantage `R − b` carries no
 * gradient, so `backward()` through `logProb` reaches only the policy's parameters (and through
 * `value`, the value head).
 *
 * `logProb` is the log-probability of the actions taken: the rewards' shape, or with trailing
 * dimensions (one per decision of a sequence), which are summed: a sequence-level reward `[B]` with
 * `logProb` `[B, T]` scores the whole sequence. Per-step rewards: pass returns-to-go from
 * {@link discountedReturns} of `logProb`'s shape.
 *
 * @example
 * ```ts
 * const dist = new Categorical({ logits: policy.forward(state) }, { mask: valid });
 * const action = dist.sample();
 * const reward = env.step(action);                                   // [B]
 * const { loss } = reinforceLoss(dist.logProb(action), reward, {
 *   baseline: movingAverage,                                         // or greedy reward, or value:
 *   normalizeAdvantages: true,
 *   entropy: dist.entropy(), entropyCoef: 0.01,
 * });
 * loss.backward();
 * ```
 */
export function reinforceLoss(
  logProb: Tensor,
  reward: Tensor,
  options: ReinforceOptions = {},
): ReinforceResult {
  const op = 'reinforceLoss';
  const k = reward.ndim;
  if (logProb.ndim < k || reward.shape.some((d, i) => d !== logProb.shape[i])) {
    throw new ShapeError(
      `${op}: logProb [${logProb.shape.join(', ')}] must start with the rewards' shape [${reward.shape.join(', ')}]`,
    );
  }
  if (options.value !== undefined && options.baseline !== undefined) {
    throw new ValueError(`${op}: pass a baseline or a learned value, not both`);
  }
  const reduce = (t: Tensor) => (options.reduction === 'sum' ? t.sum() : t.mean());
  const dtype = logProb.dtype;
  const r = noGrad(() => reward.asType(dtype).detach());
  let seqLogProb = logProb;
  if (logProb.ndim > k) {
    seqLogProb = logProb.sum(Array.from({ length: logProb.ndim - k }, (_, i) => k + i));
  }

  const b = options.baseline;
  const batchMean = noGrad(() => r.mean());
  let baseline: Tensor;
  if (options.value !== undefined) {
    if (options.value.shape.length !== k || options.value.shape.some((d, i) => d !== reward.shape[i])) {
      throw new ShapeError(
        `${op}: value must have the rewards' shape [${reward.shape.join(', ')}], got [${options.value.shape.join(', ')}]`,
      );
    }
    baseline = options.value.detach();
  } else if (b instanceof MovingAverageBaseline) {
    baseline = b.value(batchMean);
  } else if (typeof b === 'object' && (b as { isTensor?: unknown }).isTensor === true) {
    baseline = (b as Tensor).detach().asType(dtype);
  } else {
    baseline = tensor(typeof b === 'number' ? b : 0, { dtype, backend: logProb.backend });
  }

  let advantages = noGrad(() => r.sub(baseline));
  if (options.normalizeAdvantages) advantages = normalizeAdvantages(advantages, options.eps);
  if (b instanceof MovingAverageBaseline) b.update(batchMean);

  const policyLoss = reduce(advantages.mul(seqLogProb)).neg();
  let loss = policyLoss;
  let valueLoss: Tensor | null = null;
  if (options.value !== undefined) {
    valueLoss = reduce(options.value.sub(r).square());
    loss = loss.add(valueLoss.mul(options.valueCoef ?? 0.5));
  }
  let entropy: Tensor | null = null;
  if (options.entropy !== undefined) {
    entropy = options.entropy.mean();
    loss = loss.sub(entropy.mul(options.entropyCoef ?? 0.01));
  }
  return { loss, policyLoss, valueLoss, entropy, advantages, baseline };
}

/**
 * `(a − mean(a)) / (std(a) + eps)` over all elements (unbiased deviation), without gradient; a
 * single element is only centred (to 0).
 */
export function normalizeAdvantages(advantages: Tensor, eps = 1e-8): Tensor {
  return noGrad(() => {
    const centred = advantages.sub(advantages.mean());
    const n = advantages.size;
    if (n < 2) return centred;
    const std = centred
      .square()
      .sum()
      .div(n - 1)
      .sqrt();
    return centred.div(std.add(eps));
  });
}

/**
 * Returns-to-go `G_t = r_t + γ r_{t+1} + γ² r_{t+2} + …` along the last dimension of per-step
 * rewards `[..., T]` (no gradient). Steps after an episode's end should carry zero reward.
 */
export function discountedReturns(rewards: Tensor, gamma = 1): Tensor {
  if (!(gamma >= 0 && gamma <= 1))
    throw new ValueError(`discountedReturns: gamma must be in [0, 1], got ${gamma}`);
  if (rewards.ndim < 1) throw new ShapeError('discountedReturns: rewards need a time dimension [..., T]');
  return noGrad(() => {
    const steps = rewards.split(1, -1);
    const out: Tensor[] = new Array(steps.length);
    let running = steps[steps.length - 1];
    out[steps.length - 1] = running;
    for (let t = steps.length - 2; t >= 0; t--) {
      running = steps[t].add(running.mul(gamma));
      out[t] = running;
    }
    return cat(out, -1);
  });
}
