import { readFileSync } from 'node:fs';
import { Generator, manualSeed, memory, type Tensor, tensor, tidy, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { Bernoulli, Categorical } from '../src/index';

interface Shaped {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  kind: 'logits' | 'probs';
  param: Shaped;
  value: Shaped;
  mask?: Shaped;
  logProb: Shaped;
  entropy: Shaped;
  probs: Shaped;
  mode?: number[];
  g1: Shaped;
  g2: Shaped;
  grad: Shaped;
}
// A masked category's log-probability is written as the string "-Infinity" (JSON has no infinities).
const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/distributions.json', import.meta.url), 'utf8'),
  (_key, v) => (v === '-Infinity' ? Number.NEGATIVE_INFINITY : v),
) as {
  categorical: Case[];
  bernoulli: Case[];
};

const f64 = (s: Shaped, requiresGrad = false) => {
  const t = tensor(Float64Array.from(s.data), { shape: s.shape, dtype: 'float64' });
  return requiresGrad ? t.requiresGrad_() : t;
};
const int = (s: Shaped) => tensor(Int32Array.from(s.data), { shape: s.shape });

/** Largest difference, treating equal infinities as equal. */
function maxDiff(t: Tensor, expected: readonly number[]): number {
  const got = Array.from(t.dataSync());
  expect(got).toHaveLength(expected.length);
  let worst = 0;
  got.forEach((g, i) => {
    const e = expected[i];
    if (g === e) return;
    worst = Math.max(worst, Math.abs(g - e));
  });
  return worst;
}

/** Gradient of sum(finite logProb · g1) + sum(entropy · g2), as the fixture generator computes it. */
function gradient(param: Tensor, logProb: Tensor, entropy: Tensor, c: Case): Tensor {
  const lp = logProb.maskedFill(logProb.eq(Number.NEGATIVE_INFINITY), 0);
  lp.mul(f64(c.g1))
    .sum()
    .add(entropy.mul(f64(c.g2)).sum())
    .backward();
  return param.grad!;
}

describe('Categorical matches torch.distributions.Categorical (float64)', () => {
  it.each(fixtures.categorical.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const param = f64(c.param, true);
    const mask = c.mask ? f64(c.mask).gt(0) : undefined;
    const d =
      c.kind === 'logits' ? new Categorical({ logits: param }, { mask }) : new Categorical({ probs: param });
    expect(d.batchShape).toEqual(c.param.shape.slice(0, -1));
    const lp = d.logProb(int(c.value));
    const ent = d.entropy();
    expect(maxDiff(lp, c.logProb.data)).toBeLessThan(1e-12);
    expect(maxDiff(ent, c.entropy.data)).toBeLessThan(1e-12);
    expect(maxDiff(d.probs, c.probs.data)).toBeLessThan(1e-12);
    if (c.mode) expect(Array.from(d.mode().dataSync())).toEqual(c.mode);
    const grad = Array.from(gradient(param, lp, ent, c).dataSync());
    expect(grad.every(Number.isFinite)).toBe(true);
    grad.forEach((g, i) => {
      // torch clamps a zero probability to eps and differentiates log(eps): an artefact we skip.
      if (c.kind === 'probs' && c.param.data[i] === 0) return;
      expect(Math.abs(g - c.grad.data[i])).toBeLessThan(1e-10);
    });
  });
});

describe('Bernoulli matches torch.distributions.Bernoulli (float64)', () => {
  it.each(fixtures.bernoulli.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const param = f64(c.param, true);
    const d = c.kind === 'logits' ? new Bernoulli({ logits: param }) : new Bernoulli({ probs: param });
    const lp = d.logProb(f64(c.value));
    const ent = d.entropy();
    expect(maxDiff(lp, c.logProb.data)).toBeLessThan(1e-12);
    expect(maxDiff(ent, c.entropy.data)).toBeLessThan(1e-12);
    expect(maxDiff(d.probs, c.probs.data)).toBeLessThan(1e-12);
    expect(maxDiff(gradient(param, lp, ent, c), c.grad.data)).toBeLessThan(1e-10);
  });
});

describe('Categorical', () => {
  it('samples with the right frequencies, any batch shape, never a masked category', () => {
    manualSeed(1);
    const probs = tensor([
      [0.1, 0.2, 0.7],
      [0.5, 0.5, 0],
    ]).reshape([2, 1, 3]);
    const d = new Categorical({ probs });
    const draws = d.sample({ sampleShape: [4000] });
    expect(draws.shape).toEqual([4000, 2, 1]);
    expect(draws.dtype).toBe('int32');
    const v = draws.dataSync();
    const counts = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (let i = 0; i < v.length; i++) counts[i % 2][v[i]]++;
    expect(counts[0][0] / 4000).toBeCloseTo(0.1, 1);
    expect(counts[0][2] / 4000).toBeCloseTo(0.7, 1);
    expect(counts[1][2]).toBe(0); // probability 0
    expect(Math.abs(counts[1][0] / 4000 - 0.5)).toBeLessThan(0.03);

    const masked = new Categorical(
      { logits: zeros([3, 4]) },
      { mask: tensor([1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1]).reshape([3, 4]).gt(0) },
    );
    const m = masked.sample({ sampleShape: [500] }).dataSync();
    for (let i = 0; i < m.length; i++) {
      const row = i % 3;
      if (row === 0) expect([0, 2]).toContain(m[i]);
      if (row === 1) expect(m[i]).toBe(3);
    }
    expect(Array.from(masked.entropy().dataSync()).map((x) => +x.toFixed(6))).toEqual([
      +Math.log(2).toFixed(6),
      0,
      +Math.log(4).toFixed(6),
    ]);
    expect(masked.logProb(tensor([1, 3, 0], { dtype: 'int32' })).dataSync()[0]).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('the same generator seed draws the same actions; the default generator follows manualSeed', () => {
    const logits = tensor([
      [0.3, -1, 2],
      [1, 1, 1],
    ]);
    const a = new Categorical({ logits }).sample({ generator: new Generator(5), sampleShape: [20] });
    const b = new Categorical({ logits }).sample({ generator: new Generator(5), sampleShape: [20] });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    manualSeed(3);
    const c = new Categorical({ logits }).sample();
    manualSeed(3);
    const d = new Categorical({ logits }).sample();
    expect(c.shape).toEqual([2]);
    expect(Array.from(c.dataSync())).toEqual(Array.from(d.dataSync()));
  });

  it('masked categories give no NaN in gradients of logProb and entropy', () => {
    const logits = tensor([
      [1, 2, 3],
      [0, 0, 0],
    ]).requiresGrad_();
    const mask = tensor([1, 0, 1, 0, 1, 0]).reshape([2, 3]).gt(0);
    const d = new Categorical({ logits }, { mask });
    d.logProb(tensor([2, 1], { dtype: 'int32' }))
      .sum()
      .add(d.entropy().sum())
      .backward();
    const g = Array.from(logits.grad!.dataSync());
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g[1]).toBe(0);
    expect(g[3]).toBe(0);
    expect(g[5]).toBe(0);
  });

  it('rejects bad arguments with messages that say what is expected', () => {
    expect(() => new Categorical({ logits: zeros([2, 3]), probs: zeros([2, 3]) } as never)).toThrow(
      'pass exactly one of logits and probs',
    );
    expect(() => new Categorical({ probs: tensor([0.5, -0.1]) })).toThrow('finite and non-negative');
    expect(
      () => new Categorical({ logits: zeros([2, 2]) }, { mask: tensor([1, 1, 0, 0]).reshape([2, 2]).gt(0) }),
    ).toThrow('mask row 1 allows no category');
    expect(() => new Categorical({ logits: zeros([2, 2]) }, { mask: tensor([1, 1]).gt(0) })).toThrow(
      'mask must have the logits',
    );
    const d = new Categorical({ logits: zeros([2, 3]) });
    expect(() => d.logProb(tensor([0, 3], { dtype: 'int32' }))).toThrow('indices in [0, 3), got 3');
    expect(() => d.logProb(tensor([0, 1]))).toThrow('must be int32');
    expect(() => d.logProb(tensor([0, 1, 2], { dtype: 'int32' }))).toThrow('[...sample, 2]');
  });

  it('keeps nothing alive: inside tidy, repeated use leaves the live tensor count flat', () => {
    const logits = tensor([
      [0, 1],
      [2, 3],
    ]);
    const use = () =>
      tidy(() => {
        const d = new Categorical({ logits }, { mask: tensor([1, 1, 1, 0]).reshape([2, 2]).gt(0) });
        const a = d.sample();
        d.logProb(a);
        d.entropy();
        d.mode();
      });
    use();
    const before = memory().tensors;
    for (let i = 0; i < 5; i++) use();
    expect(memory().tensors).toBe(before);
  });
});

describe('Bernoulli', () => {
  it('samples 0/1 with the right frequency and has the right mode', () => {
    manualSeed(2);
    const d = new Bernoulli({ probs: tensor([0.2, 0.9]) });
    const s = d.sample({ sampleShape: [3000] });
    expect(s.shape).toEqual([3000, 2]);
    const v = s.dataSync();
    let ones0 = 0;
    let ones1 = 0;
    for (let i = 0; i < v.length; i += 2) {
      expect([0, 1]).toContain(v[i]);
      ones0 += v[i];
      ones1 += v[i + 1];
    }
    expect(ones0 / 3000).toBeCloseTo(0.2, 1);
    expect(ones1 / 3000).toBeCloseTo(0.9, 1);
    expect(Array.from(d.mode().dataSync())).toEqual([0, 1]);
    expect(() => new Bernoulli({ probs: tensor([1.5]) })).toThrow('in [0, 1]');
    expect(() => d.logProb(tensor([0.5, 1]))).toThrow('expected 0 or 1');
  });

  it('is finite for extreme logits', () => {
    const d = new Bernoulli({ logits: tensor([-200, 200]) });
    const lp = Array.from(d.logProb(tensor([1, 0])).dataSync());
    expect(lp[0]).toBeCloseTo(-200, 3);
    expect(lp[1]).toBeCloseTo(-200, 3);
    expect(Array.from(d.entropy().dataSync()).every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
  });
});
