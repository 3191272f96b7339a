import {
  crossEntropy,
  Embedding,
  Linear,
  LSTM,
  Module,
  type PackedSequence,
  packPaddedSequence,
  SGD,
} from '@rnn/nn';
import { keep, type Tensor, tensor, tidy } from '@rnn/tensor';
import { randomInt, randomTokens, readLoss, seededRandom, type Workload, type WorkloadSpec } from './common';

/** Workload C's shapes. */
export interface TaggerConfig {
  vocab: number;
  embed: number;
  hidden: number;
  tags: number;
  batch: number;
  minLen: number;
  maxLen: number;
  lr: number;
}

/** Padded `[T, B]` tokens and tags (padding is never read: the batch is packed), and the lengths. */
export interface TaggerData {
  lengths: number[];
  tokens: number[];
  tags: number[];
}

class Tagger extends Module {
  embed: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(c: TaggerConfig) {
    super();
    this.embed = new Embedding(c.vocab, c.embed);
    this.lstm = new LSTM(c.embed, c.hidden, { bidirectional: true });
    this.out = new Linear(2 * c.hidden, c.tags);
  }

  /** Tag scores for the real tokens, in packed order. */
  forward(tokens: Tensor, lengths: readonly number[]): Tensor {
    const packed = packPaddedSequence(this.embed.forward(tokens), [...lengths]);
    const [h] = this.lstm.forward(packed) as [PackedSequence, unknown];
    return this.out.forward(h.data);
  }
}

/**
 * C. POS tagger: Embedding(20000,100) → BiLSTM(128) over a packed batch of 32 sentences of 5–50
 * tokens → Linear(256→17), cross-entropy over the real tokens only (the padding is never computed);
 * SGD with momentum 0.9.
 */
export const taggerWorkload: WorkloadSpec<TaggerConfig> = {
  id: 'C',
  title: 'tagger: Embedding(20000,100) → BiLSTM(128) packed b32 (5–50) → Linear(17), masked CE, SGD',
  unit: 'tokens',
  full: { vocab: 20000, embed: 100, hidden: 128, tags: 17, batch: 32, minLen: 5, maxLen: 50, lr: 0.1 },
  tiny: { vocab: 30, embed: 6, hidden: 5, tags: 4, batch: 4, minLen: 2, maxLen: 6, lr: 0.1 },
  data(c, seed): TaggerData {
    const rand = seededRandom(seed);
    const lengths = Array.from({ length: c.batch }, () => randomInt(rand, c.minLen, c.maxLen));
    const steps = Math.max(...lengths);
    return {
      lengths,
      tokens: [...randomTokens(rand, steps * c.batch, c.vocab)],
      tags: [...randomTokens(rand, steps * c.batch, c.tags)],
    };
  },
  build(c, data): Workload {
    const d = data as TaggerData;
    const steps = Math.max(...d.lengths);
    const model = new Tagger(c);
    const opt = new SGD(model.parameters(), { lr: c.lr, momentum: 0.9 });
    const tokens = keep(tensor(Int32Array.from(d.tokens), { dtype: 'int32', shape: [steps, c.batch] }));
    // The tags in packed order (time-major over the sequences sorted by decreasing length), matching h.data.
    const order = d.lengths.map((_, i) => i).sort((a, b) => d.lengths[b] - d.lengths[a] || a - b);
    const packedTags: number[] = [];
    for (let t = 0; t < steps; t++)
      for (const b of order) if (d.lengths[b] > t) packedTags.push(d.tags[t * c.batch + b]);
    const tags = keep(tensor(Int32Array.from(packedTags), { dtype: 'int32', shape: [packedTags.length] }));
    return {
      unitsPerStep: packedTags.length,
      step: () =>
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(model.forward(tokens, d.lengths), tags);
          loss.backward();
          opt.step();
          return readLoss(loss);
        }),
      dispose() {
        opt.zeroGrad();
        model.dispose();
        tokens.dispose();
        tags.dispose();
      },
    };
  },
};
