/**
 * PyTorch parity of the SPINN encoder: `fixtures/generate_parity.py` runs the PyTorch twin of `Spinn`
 * (the bench's, written to mirror src/model/spinn.ts) in float64 on seven sentences with random trees;
 * @rnn loads its weights and must give the same encodings and the same gradients (leaves and weights).
 */
import { readFileSync } from 'node:fs';
import { type Tensor, tensor } from '@rnn/tensor';
import { expect, it } from 'vitest';
import { Spinn } from './model/spinn';

interface Shaped {
  shape: number[];
  data: number[];
}
const f = JSON.parse(readFileSync(new URL('../fixtures/parity.json', import.meta.url), 'utf8')) as {
  hidden: number;
  tracker: number;
  sentences: { length: number; transitions: number[] }[];
  weights: Record<string, Shaped>;
  leaves: Shaped;
  g: Shaped;
  h: Shaped;
  leavesGrad: Shaped;
  grads: Record<string, Shaped>;
};
const f64 = (s: Shaped) => tensor(Float64Array.from(s.data), { shape: s.shape, dtype: 'float64' });
const worst = (t: Tensor, s: Shaped) => {
  expect(t.shape).toEqual(s.shape);
  const d = t.dataSync();
  return s.data.reduce((m, v, i) => Math.max(m, Math.abs(d[i] - v)), 0);
};

it('the encoder matches its PyTorch twin (float64): encodings and every gradient', () => {
  const spinn = new Spinn({ hidden: f.hidden, tracker: f.tracker, transitionHead: false }).double();
  spinn.loadStateDict(Object.fromEntries(Object.entries(f.weights).map(([k, v]) => [k, f64(v)])));
  const leaves = f64(f.leaves).requiresGrad_();
  const { h } = spinn.forward(leaves, f.sentences);
  expect(worst(h, f.h)).toBeLessThan(1e-12);
  h.mul(f64(f.g)).sum().backward();
  expect(worst(leaves.grad!, f.leavesGrad)).toBeLessThan(1e-12);
  const params = new Map(spinn.namedParameters());
  expect([...params.keys()].sort()).toEqual(Object.keys(f.grads).sort());
  for (const [name, g] of Object.entries(f.grads)) {
    const p = params.get(name) as Tensor;
    expect(worst(p.grad as Tensor, g), name).toBeLessThan(1e-12);
  }
});
