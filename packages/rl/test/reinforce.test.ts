import { Module } from '@rnn/nn';
import { type Tensor, tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  Categorical,
  discountedReturns,
  MovingAverageBaseline,
  normalizeAdvantages,
  reinforceLoss,
} from '../src/index';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const values = (t: Tensor) => Array.from(t.dataSync());
const close = (a: number[], b: number[], digits = 10) => {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => {
    expect(x).toBeCloseTo(b[i], digits);
  });
};

describe('reinforceLoss', () => {
  it('its gradient is the score-function estimator −mean((R − b) ∇ log π(a))', () => {
    const logits = f64([
      [0.2, -0.4, 1.0],
      [0.0, 0.5, -0.5],
    ]).requiresGrad_();
    const dist = new Categorical({ logits });
    const action = tensor([2, 0], { dtype: 'int32' });
    const reward = f64([1, 0]);
    const { loss, advantages } = reinforceLoss(dist.logProb(action), reward, { baseline: 0.25 });
    loss.backward();
    close(values(advantages), [0.75, -0.25]);
    // ∇_logits log softmax(logits)[a] = onehot(a) − p
    const p = dist.probs.arraySync() as number[][];
    const expected = [
      p[0].map((pi, j) => -(0.75 * ((j === 2 ? 1 : 0) - pi)) / 2),
      p[1].map((pi, j) => -(-0.25 * ((j === 0 ? 1 : 0) - pi)) / 2),
    ].flat();
    close(values(logits.grad!), expected);
  });

  it('sums the log-probabilities of a sequence for a sequence-level reward', () => {
    const lp = f64([
      [-0.1, -0.2, -0.3],
      [-1, -1, -1],
    ]).requiresGrad_();
    const { policyLoss } = reinforceLoss(lp, f64([2, 1]), { reduction: 'sum' });
    expect(policyLoss.itemSync()).toBeCloseTo(-(2 * -0.6 + 1 * -3), 12);
    expect(() => reinforceLoss(lp, f64([1, 2, 3]))).toThrow('must start with the rewards');
  });

  it('a moving-average baseline starts at the first batch’s mean, then follows the rewards', () => {
    const baseline = new MovingAverageBaseline({ momentum: 0.5, dtype: 'float64' });
    const lp = f64([-1, -1]);
    const first = reinforceLoss(lp, f64([1, 3]), { baseline });
    expect(first.baseline.itemSync()).toBe(2);
    close(values(first.advantages), [-1, 1]);
    expect(baseline.average).toBe(2);
    const second = reinforceLoss(lp, f64([6, 6]), { baseline });
    expect(second.baseline.itemSync()).toBe(2); // the average before this batch
    expect(baseline.average).toBe(4); // 0.5·2 + 0.5·6
    expect(() => new MovingAverageBaseline({ momentum: 1 })).toThrow('momentum must be in [0, 1)');
  });

  it('a moving-average baseline registered as a buffer is saved and restored with the model', () => {
    class Policy extends Module {
      rewardBaseline: Tensor;
      constructor(readonly baseline: MovingAverageBaseline) {
        super();
        this.rewardBaseline = baseline.state;
      }
    }
    const a = new Policy(new MovingAverageBaseline());
    reinforceLoss(f64([0, 0]), f64([3, 5]), { baseline: a.baseline });
    const b = new Policy(new MovingAverageBaseline());
    b.loadStateDict(a.stateDict());
    expect(b.baseline.average).toBe(4);
    expect(Object.keys(a.stateDict())).toEqual(['rewardBaseline']);
  });

  it('self-critical: the greedy reward is the baseline, per example', () => {
    const { advantages, baseline } = reinforceLoss(f64([-1, -2, -3]), f64([1, 0, 1]), {
      baseline: f64([1, 1, 0]),
    });
    close(values(advantages), [0, -1, 1]);
    close(values(baseline), [1, 1, 0]);
  });

  it('a learned value is the baseline (detached) and is trained by a mean squared error', () => {
    const value = f64([0.5, 2]).requiresGrad_();
    const lp = f64([-1, -1]).requiresGrad_();
    const { loss, valueLoss, advantages } = reinforceLoss(lp, f64([1, 1]), { value, valueCoef: 0.5 });
    close(values(advantages), [0.5, -1]);
    expect(valueLoss!.itemSync()).toBeCloseTo((0.25 + 1) / 2, 12);
    loss.backward();
    // d/dv 0.5 · mean((v − R)²) = (v − R) / 2; the policy term adds nothing to v.
    close(values(value.grad!), [-0.25, 0.5]);
    close(values(lp.grad!), [-0.25, 0.5]);
    expect(() => reinforceLoss(lp, f64([1, 1]), { value, baseline: 0 })).toThrow('not both');
    expect(() => reinforceLoss(lp, f64([1, 1]), { value: f64([1]) })).toThrow(
      "value must have the rewards' shape",
    );
  });

  it('normalises advantages and adds an entropy bonus that pushes toward uniform', () => {
    const a = normalizeAdvantages(f64([1, 2, 3, 4]));
    const v = values(a);
    expect(v.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 12);
    const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / 3);
    expect(std).toBeCloseTo(1, 6);
    close(values(normalizeAdvantages(f64([5]))), [0]);

    const logits = f64([[2, 0]]).requiresGrad_();
    const dist = new Categorical({ logits });
    const action = tensor([0], { dtype: 'int32' });
    const { loss, entropy } = reinforceLoss(dist.logProb(action), f64([0]), {
      entropy: dist.entropy(),
      entropyCoef: 1,
    });
    expect(entropy!.itemSync()).toBeGreaterThan(0);
    loss.backward();
    const [g0, g1] = values(logits.grad!);
    // Descending the loss raises the entropy: the larger logit goes down, the smaller one up.
    expect(g0).toBeGreaterThan(0);
    expect(g1).toBeLessThan(0);
  });
});

describe('discountedReturns', () => {
  it('sums the rewards still to come, discounted', () => {
    close(values(discountedReturns(f64([[1, 0, 2]]), 0.5)), [1.5, 1, 2]);
    close(values(discountedReturns(f64([[1, 1, 1]]))), [3, 2, 1]);
    expect(() => discountedReturns(f64([1]), 2)).toThrow('gamma must be in [0, 1]');
  });
});
