/**
 * Keeps the benchmark from rotting: every workload builds and trains for a few steps on tiny shapes
 * (finite loss that goes down), and the PyTorch twin, when PyTorch is installed, runs the same tiny
 * workloads through its line protocol. No timing is asserted.
 */
import { manualSeed, memory } from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { TorchTwin, torchAvailable } from '../src/torch';
import { randomTransitions, seededRandom, workloads } from '../src/workloads/index';

describe.each(workloads.map((w) => [w.id, w] as const))('workload %s', (_id, spec) => {
  it('trains on its tiny shapes: the loss is finite and goes down, and no tensor leaks', () => {
    manualSeed(0);
    const w = spec.build(spec.tiny, spec.data(spec.tiny, 7));
    const losses = [w.step()];
    const live = memory().tensors;
    for (let s = 0; s < 4; s++) losses.push(w.step());
    expect(memory().tensors).toBe(live);
    w.dispose();
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[4]).toBeLessThan(losses[0]);
    expect(w.unitsPerStep).toBeGreaterThan(0);
  });

  it('makes the same synthetic data from the same seed', () => {
    expect(spec.data(spec.full, 1234)).toEqual(spec.data(spec.full, 1234));
  });
});

it('random trees are valid shift-reduce sequences (SHIFT 0, REDUCE 1)', () => {
  const rand = seededRandom(5);
  for (let n = 1; n < 30; n++) {
    const t = randomTransitions(rand, n);
    expect(t.length).toBe(2 * n - 1);
    let depth = 0;
    for (const op of t) {
      depth += op === 0 ? 1 : -1;
      expect(depth).toBeGreaterThanOrEqual(1);
    }
    expect(depth).toBe(1);
  }
});

const hasTorch = torchAvailable();
describe.runIf(hasTorch)('the PyTorch twin', () => {
  const twin = hasTorch ? new TorchTwin(1) : null;
  afterAll(() => twin?.close());

  it.each(
    workloads.map((w) => [w.id, w] as const),
  )('runs workload %s on the tiny shapes', async (_id, spec) => {
    await twin!.request({ cmd: 'build', id: spec.id, config: spec.tiny, data: spec.data(spec.tiny, 7) });
    const first = await twin!.request<{ loss: number; seconds: number }>({ cmd: 'step' });
    let last = first;
    for (let s = 0; s < 4; s++) last = await twin!.request({ cmd: 'step' });
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(last.loss).toBeLessThan(first.loss);
  });

  it('times matmuls', async () => {
    const r = await twin!.request<{ seconds: number[] }>({ cmd: 'matmul', n: 32, runs: 2 });
    expect(r.seconds).toHaveLength(2);
  });
});
