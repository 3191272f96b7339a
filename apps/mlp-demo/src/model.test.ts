import { manualSeed, memory } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { twoSpirals } from './data';
import { Adam, accuracy, lossOf, MLP, trainEpoch } from './model';

describe('mlp-demo', () => {
  it('two spirals are reproducible from the seed and balanced', () => {
    manualSeed(7);
    const a = twoSpirals({ points: 100 });
    manualSeed(7);
    const b = twoSpirals({ points: 100 });
    expect(a.x.shape).toEqual([100, 2]);
    expect(a.y.dtype).toBe('int32');
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.y.dataSync()).filter((c) => c === 1)).toHaveLength(50);
  });

  it('training lowers the loss substantially and leaks no tensors', () => {
    manualSeed(0);
    const data = twoSpirals({ points: 400 });
    const model = new MLP([2, 32, 32, 2]);
    const opt = new Adam(model.parameters(), 0.01);
    const initial = lossOf(model, data.x, data.y).itemSync();
    expect(initial).toBeGreaterThan(0.6); // about ln 2 for an untrained 2-class model

    trainEpoch(model, opt, data, 50); // the first epoch creates the optimiser state
    const live = memory().tensors;
    for (let epoch = 2; epoch <= 200; epoch++) trainEpoch(model, opt, data, 50);
    expect(memory().tensors).toBe(live);

    const final = lossOf(model, data.x, data.y).itemSync();
    expect(final).toBeLessThan(initial / 4);
    expect(accuracy(model, data.x, data.y)).toBeGreaterThan(0.9);
  });
});
