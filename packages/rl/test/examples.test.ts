/**
 * The README's worked examples learn: a contextual bandit with each kind of baseline, and a small
 * sequence task (writing a permutation reversed) from a sequence-level reward with a self-critical
 * baseline and masking. Seeded, so every run computes the same numbers.
 */
import { describe, expect, it } from 'vitest';
import { trainBandit } from '../examples/bandit';
import { trainReverse } from '../examples/reverse';

describe('worked example: contextual bandit', () => {
  it('an untrained policy is uniform: the best arm gets 1/5', () => {
    expect(trainBandit({ steps: 0 }).bestArmProbability).toBeCloseTo(0.2, 1);
  });

  it.each([
    'none',
    'moving-average',
    'self-critical',
    'value',
  ] as const)('learns each situation’s best arm with baseline %s', (baseline) => {
    const r = trainBandit({ baseline });
    expect(r.bestArmProbability).toBeGreaterThan(0.9);
    const last = r.rewards.slice(-20);
    // The best arms pay 0.9; a uniform policy earns about 0.46.
    expect(last.reduce((a, b) => a + b) / last.length).toBeGreaterThan(0.8);
  });
});

describe('worked example: reversing a permutation', () => {
  it('learns from the sequence-level reward alone (self-critical baseline, masked repeats)', () => {
    const r = trainReverse();
    // A random permutation is right with probability 1/120 and has 1 of 5 positions right on average.
    expect(r.rewards[0]).toBeLessThan(0.4);
    expect(r.tokenAccuracy).toBeGreaterThan(0.9);
    expect(r.sequenceAccuracy).toBeGreaterThan(0.8);
  });
});
