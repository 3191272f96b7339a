/**
 * Worked example 1: a contextual bandit learned with REINFORCE.
 *
 * Each round shows one of `contexts` situations; the policy picks one of `arms` arms and receives a
 * reward of 1 with the arm's probability in that situation (a Bernoulli draw), else 0. The best arm
 * differs per situation. The policy is a table of logits per situation (a `Linear` on a one-hot
 * context); it learns from the reward alone with any of the baselines of `reinforceLoss`.
 *
 *   const result = trainBandit({ baseline: 'moving-average' });
 *   result.bestArmProbability   // ≈ 0.97 after 100 updates of 64 rounds
 */
import { Adam, Linear } from '@rnn/nn';
import { Generator, manualSeed, noGrad, type Tensor, tensor } from '@rnn/tensor';
import { Bernoulli, Categorical, MovingAverageBaseline, reinforceLoss } from '../src/index';

/** Which baseline the policy gradient subtracts. */
export type BanditBaseline = 'none' | 'moving-average' | 'self-critical' | 'value';

/** Options of {@link trainBandit}. */
export interface BanditOptions {
  /** Arms to choose from (default 5). */
  arms?: number;
  /** Distinct situations (default 3). */
  contexts?: number;
  /** Updates (default 100). */
  steps?: number;
  /** Rounds per update (default 64). */
  batch?: number;
  /** Adam's learning rate (default 0.05). */
  lr?: number;
  /** Default `'moving-average'`. */
  baseline?: BanditBaseline;
  /** Entropy bonus weight (default 0.01). */
  entropyCoef?: number;
  /** Seed of the weights and of every draw (default 0). */
  seed?: number;
}

/** What {@link trainBandit} learned. */
export interface BanditResult {
  /** Mean probability the final policy gives to each situation's best arm. */
  bestArmProbability: number;
  /** Mean reward per round, for each update. */
  rewards: number[];
  /** The reward probabilities `[contexts][arms]`. */
  table: number[][];
}

/** Reward probabilities: the best arm of situation `c` is `(2c + 1) mod arms`, paying 0.9; others 0.2–0.6. */
export function banditTable(contexts: number, arms: number): number[][] {
  return Array.from({ length: contexts }, (_, c) =>
    Array.from({ length: arms }, (_, a) =>
      a === (2 * c + 1) % arms ? 0.9 : 0.2 + (0.4 * ((a + c) % arms)) / arms,
    ),
  );
}

export function trainBandit(options: BanditOptions = {}): BanditResult {
  const arms = options.arms ?? 5;
  const contexts = options.contexts ?? 3;
  const batch = options.batch ?? 64;
  const baselineKind = options.baseline ?? 'moving-average';
  manualSeed(options.seed ?? 0);
  const env = new Generator((options.seed ?? 0) + 1000); // the world's randomness, apart from the policy's
  const table = banditTable(contexts, arms);
  const payout = tensor(table); // [contexts, arms]

  const policy = new Linear(contexts, arms, { bias: false });
  const value = new Linear(contexts, 1);
  const params =
    baselineKind === 'value' ? [...policy.parameters(), ...value.parameters()] : policy.parameters();
  const optimizer = new Adam(params, { lr: options.lr ?? 0.05 });
  const average = new MovingAverageBaseline({ momentum: 0.9 });
  const eye = tensor(
    Array.from({ length: contexts }, (_, i) => Array.from({ length: contexts }, (_, j) => +(i === j))),
  );

  /** Rewards (0/1) of `actions` in situations `ctx`: one Bernoulli draw each. */
  const pull = (ctx: Tensor, actions: Tensor) =>
    noGrad(() => {
      const p = payout.indexSelect(0, ctx).gather(1, actions.unsqueeze(1)).squeeze(1);
      return new Bernoulli({ probs: p }).sample({ generator: env });
    });

  const rewards: number[] = [];
  for (let step = 0; step < (options.steps ?? 100); step++) {
    const ctx = new Categorical({ logits: tensor(new Array(contexts).fill(0)) }).sample({
      generator: env,
      sampleShape: [batch],
    });
    const features = eye.indexSelect(0, ctx); // one-hot [batch, contexts]
    const dist = new Categorical({ logits: policy.forward(features) });
    const action = dist.sample();
    const reward = pull(ctx, action);
    const baseline =
      baselineKind === 'moving-average'
        ? average
        : baselineKind === 'self-critical'
          ? pull(ctx, dist.mode()) // the greedy arm's reward, drawn in the same situations
          : undefined;
    const out = reinforceLoss(dist.logProb(action), reward, {
      baseline,
      value: baselineKind === 'value' ? value.forward(features).squeeze(1) : undefined,
      entropy: dist.entropy(),
      entropyCoef: options.entropyCoef ?? 0.01,
    });
    optimizer.zeroGrad();
    out.loss.backward();
    optimizer.step();
    rewards.push(reward.mean().itemSync());
  }

  const probs = new Categorical({ logits: policy.forward(eye) }).probs.arraySync() as number[][];
  const bestArmProbability = probs.reduce((s, row, c) => s + row[(2 * c + 1) % arms], 0) / contexts;
  return { bestArmProbability, rewards, table };
}
