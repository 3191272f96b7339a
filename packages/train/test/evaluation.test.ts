import { Linear } from '@rnn/nn';
import { isGradEnabled, tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  ConfusionMatrix,
  countCorrect,
  countCorrectTensors,
  EarlyStopping,
  evaluate,
  perplexity,
} from '../src';

describe('ConfusionMatrix', () => {
  // scikit-learn on the same data: precision [0.667, 0.5, 1], recall [1, 0.5, 0.5], f1 [0.8, 0.5, 0.667].
  const targets = [0, 0, 1, 1, 2, 2];
  const predictions = [0, 0, 1, 0, 2, 1];

  it('counts true × predicted and gives accuracy, per-class precision/recall/F1 and averages', () => {
    const cm = new ConfusionMatrix(['noun', 'verb', 'adj']);
    cm.add(predictions, targets);
    expect(cm.counts).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 1, 1],
    ]);
    expect(cm.total).toBe(6);
    expect(cm.accuracy()).toBeCloseTo(4 / 6, 15);
    const scores = cm.perClass();
    expect(scores.map((s) => s.label)).toEqual(['noun', 'verb', 'adj']);
    expect(scores.map((s) => s.precision)).toEqual([2 / 3, 1 / 2, 1]);
    expect(scores.map((s) => s.recall)).toEqual([1, 1 / 2, 1 / 2]);
    expect(scores[0].f1).toBeCloseTo(0.8, 15);
    expect(scores[2].f1).toBeCloseTo(2 / 3, 15);
    expect(scores.map((s) => s.support)).toEqual([2, 2, 2]);
    expect(cm.macroF1()).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 15);
    expect(cm.weightedF1()).toBeCloseTo(cm.macroF1(), 15);
    expect(cm.normalized()[2]).toEqual([0, 0.5, 0.5]);
    expect(ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm))).counts).toEqual(cm.counts);
  });

  it('takes logits or int32 predictions as tensors, skips ignored targets, and checks classes', async () => {
    const cm = new ConfusionMatrix(3);
    const logits = tensor(
      [
        [5, 0, 0],
        [0, 0, 9],
        [0, 7, 0],
        [1, 0, 0],
      ],
      { dtype: 'float32' },
    );
    await cm.addTensors(logits, tensor([0, 2, 0, -100], { dtype: 'int32' }), { ignoreIndex: -100 });
    await cm.addTensors(tensor([1], { dtype: 'int32' }), tensor([1], { dtype: 'int32' }));
    expect(cm.counts).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(cm.labels).toEqual(['0', '1', '2']);
    expect(() => cm.add([3], [0])).toThrow(
      'ConfusionMatrix: prediction 3 at position 0 is not a class in [0, 3)',
    );
    expect(() => cm.add([0, 1], [0])).toThrow(/as many predictions as targets, got 2 and 1/);
    await expect(cm.addTensors(tensor([0.5]), tensor([0], { dtype: 'int32' }))).rejects.toThrow(
      /expected class scores \[\.\.\., C\] or int32 predictions shaped like the targets \[1\], got float32 \[1\]/,
    );
    expect(new ConfusionMatrix(2).accuracy()).toBeNaN();
    expect(() => new ConfusionMatrix(0)).toThrow(/positive number of classes, got 0/);
  });
});

describe('accuracy and perplexity', () => {
  it('accuracy over plain arrays and tensors, with an ignore index', async () => {
    expect(accuracy([1, 2, 3], [1, 2, 0])).toBeCloseTo(2 / 3, 15);
    expect(countCorrect([1, 2, 3], [1, 0, -1], { ignoreIndex: -1 })).toEqual({ correct: 1, count: 2 });
    expect(accuracy([], [])).toBeNaN();
    const scores = tensor(
      [
        [
          [0, 1],
          [1, 0],
        ],
        [
          [1, 0],
          [1, 0],
        ],
      ],
      { dtype: 'float32' },
    ); // [2, 2, 2]
    const targets = tensor(
      [
        [1, 1],
        [0, 0],
      ],
      { dtype: 'int32' },
    );
    expect(await countCorrectTensors(scores, targets)).toEqual({ correct: 3, count: 4 });
  });

  it('perplexity is exp of the mean negative log-likelihood', () => {
    expect(perplexity(Math.log(100) * 20, 20)).toBeCloseTo(100, 10);
    expect(() => perplexity(1, 0)).toThrow(/positive token count, got 0/);
  });
});

describe('evaluate', () => {
  it('runs in eval mode without autograd, and restores the mode even when it throws', async () => {
    const model = new Linear(2, 2);
    let inside: [boolean, boolean] | undefined;
    const result = await evaluate(model, async () => {
      await Promise.resolve();
      inside = [model.training, isGradEnabled()];
      return model.forward(tensor([[1, 2]], { dtype: 'float32' })).requiresGrad;
    });
    expect(inside).toEqual([false, false]);
    expect(result).toBe(false);
    expect([model.training, isGradEnabled()]).toEqual([true, true]);
    await expect(
      evaluate(model, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect([model.training, isGradEnabled()]).toEqual([true, true]);
    model.eval();
    await evaluate(model, () => 0);
    expect(model.training).toBe(false);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations without improvement beyond minDelta, as Lightning', () => {
    const s = new EarlyStopping({ mode: 'min', patience: 2, minDelta: 0.05 });
    expect([s.step(1, 1), s.improved]).toEqual([false, true]);
    expect([s.step(0.97, 2), s.improved]).toEqual([false, false]); // not by more than minDelta
    expect([s.step(0.9, 3), s.improved]).toEqual([false, true]);
    expect(s.step(Number.NaN, 4)).toBe(false); // NaN never improves
    expect(s.step(0.89, 5)).toBe(true);
    expect([s.best, s.bestEpoch, s.badEpochs]).toEqual([0.9, 3, 2]);
    const t = new EarlyStopping({ mode: 'max', patience: 1 });
    t.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(t.shouldStop).toBe(true);
    const never = new EarlyStopping({ mode: 'max', patience: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 100; i++) expect(never.step(0, i)).toBe(false);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be >= 0, got -1/);
    expect(() => new EarlyStopping({ mode: 'up' as 'min' })).toThrow(/mode must be 'min' or 'max', got "up"/);
  });
});
