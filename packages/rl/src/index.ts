/**
 * `@rnn/rl`: policies and policy-gradient losses on top of `@rnn/tensor`. Categorical and
 * Bernoulli distributions (masking of invalid actions, seeded sampling on every backend) and the
 * REINFORCE loss with moving-average, self-critical or learned-value baselines, advantage
 * normalisation and an entropy bonus. Runs in browsers and Node.
 *
 * @packageDocumentation
 */
export { MovingAverageBaseline, type MovingAverageBaselineOptions } from './baselines';
export { Bernoulli, type BernoulliParams, logSigmoid } from './distributions/bernoulli';
export {
  Categorical,
  type CategoricalOptions,
  type CategoricalParams,
  type SampleOptions,
} from './distributions/categorical';
export {
  type Baseline,
  discountedReturns,
  normalizeAdvantages,
  type ReinforceOptions,
  type ReinforceResult,
  reinforceLoss,
} from './reinforce';
