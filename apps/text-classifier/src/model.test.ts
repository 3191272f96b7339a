import { Adam, crossEntropy } from '@rnn/nn';
import { manualSeed, noGrad, randn, tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { TextRNN, type TextRnnConfig } from './model';

const base: TextRnnConfig = {
  vocabSize: 12,
  embedDim: 6,
  padId: 11,
  pretrained: false,
  freezeEmbedding: false,
  hidden: 5,
  layers: 2,
  dropout: 0.3,
  classes: 4,
  layerNorm: false,
  packed: false,
  init: 'xavier',
};

/** Ids `[T, B]` (time-major) of headlines padded with `padId` to `steps`. */
function padded(headlines: number[][], steps: number, padId = base.padId) {
  const ids = new Int32Array(steps * headlines.length).fill(padId);
  headlines.forEach((h, b) => {
    h.forEach((id, t) => {
      ids[t * headlines.length + b] = id;
    });
  });
  return {
    ids: tensor(ids, { dtype: 'int32', shape: [steps, headlines.length] }),
    lengths: Int32Array.from(headlines, (h) => h.length),
  };
}

const logitsOf = (model: TextRNN, headlines: number[][], steps: number) => {
  const { ids, lengths } = padded(headlines, steps);
  return Array.from(noGrad(() => model.forward(ids, lengths)).dataSync());
};

describe('TextRNN', () => {
  it("has the tutorial's parameters under PyTorch's names; xavier init zeroes the biases", () => {
    manualSeed(0);
    const model = new TextRNN({ ...base, layerNorm: true });
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'embedding.weight',
      ...[0, 1].flatMap((l) =>
        ['', '_reverse'].flatMap((d) =>
          ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((w) => `lstm.${w}_l${l}${d}`),
        ),
      ),
      'norm.weight',
      'norm.bias',
      'fc.weight',
      'fc.bias',
    ]);
    expect(model.getParameter('lstm.weight_ih_l1').shape).toEqual([20, 10]);
    expect(model.getParameter('fc.weight').shape).toEqual([4, 10]);
    expect(Array.from(model.getParameter('lstm.bias_hh_l0').dataSync()).every((v) => v === 0)).toBe(true);
    // The random table's padding row is zero (the tutorial's padding_idx).
    expect(
      Array.from(
        model
          .getParameter('embedding.weight')
          .dataSync()
          .slice(11 * 6),
      ),
    ).toEqual(new Array(6).fill(0));
    const plain = new TextRNN({ ...base, init: 'default' });
    expect(Array.from(plain.getParameter('lstm.bias_hh_l0').dataSync()).some((v) => v !== 0)).toBe(true);
  });

  it('packed: each headline gives the same logits whatever the padding and the rest of the batch', () => {
    manualSeed(1);
    const model = new TextRNN({ ...base, packed: true });
    model.eval();
    const a = [1, 2, 3];
    const b = [4, 5, 6, 7, 8, 9];
    const alone = logitsOf(model, [a], 3);
    const inBatch = logitsOf(model, [b, a], 10).slice(4, 8);
    inBatch.forEach((v, i) => {
      expect(v).toBeCloseTo(alone[i], 5);
    });
  });

  it("padded (the tutorial's read-out): the last padded step, so padding changes the logits", () => {
    manualSeed(1);
    const model = new TextRNN(base);
    model.eval();
    const a = [1, 2, 3];
    const short = logitsOf(model, [a], 3);
    const long = logitsOf(model, [a], 10);
    expect(short).toHaveLength(4);
    expect(long.some((v, i) => Math.abs(v - short[i]) > 1e-4)).toBe(true);
  });

  it('pretrained vectors start the table, frozen or fine-tuned', () => {
    manualSeed(2);
    const vectors = randn([12, 6]);
    const { ids, lengths } = padded(
      [
        [1, 2],
        [3, 4, 5],
      ],
      4,
    );
    for (const freeze of [true, false]) {
      const model = new TextRNN(
        { ...base, pretrained: true, freezeEmbedding: freeze, packed: true },
        vectors,
      );
      expect(Array.from(model.embedding.weight.dataSync())).toEqual(Array.from(vectors.dataSync()));
      const trainable = model.parameters().filter((p) => p.requiresGrad);
      expect(trainable.includes(model.embedding.weight)).toBe(!freeze);
      const opt = new Adam(trainable, { lr: 0.01 });
      crossEntropy(model.forward(ids, lengths), tensor([0, 3], { dtype: 'int32' })).backward();
      opt.step();
      const moved = Array.from(model.embedding.weight.dataSync()).some((v, i) => v !== vectors.dataSync()[i]);
      expect(moved).toBe(!freeze);
    }
  });

  it('learns a small task: the loss of a few batches falls', async () => {
    manualSeed(3);
    const model = new TextRNN({ ...base, packed: true, layerNorm: true });
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    // Class = the first character (1..4 → 0..3), then noise characters.
    const headlines = Array.from({ length: 16 }, (_, i) => [1 + (i % 4), 5 + (i % 5), 6 + (i % 3)]);
    const { ids, lengths } = padded(headlines, 5);
    const labels = tensor(
      headlines.map((h) => h[0] - 1),
      { dtype: 'int32' },
    );
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const loss = crossEntropy(model.forward(ids, lengths), labels);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(await loss.item());
    }
    expect(losses[29]).toBeLessThan(losses[0] / 4);
  });
});
