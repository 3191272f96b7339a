import { Adam, clipGradNorm, crossEntropy, Embedding, Linear, LSTM, Module } from '@rnn/nn';
import { keep, type Tensor, tensor, tidy } from '@rnn/tensor';
import { randomTokens, readLoss, seededRandom, type Workload, type WorkloadSpec } from './common';

/** Workload A's shapes. */
export interface LmConfig {
  vocab: number;
  embed: number;
  hidden: number;
  batch: number;
  bptt: number;
  lr: number;
  clip: number;
}

interface LmData {
  tokens: number[];
  targets: number[];
}

class LanguageModel extends Module {
  embed: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(c: LmConfig) {
    super();
    this.embed = new Embedding(c.vocab, c.embed);
    this.lstm = new LSTM(c.embed, c.hidden);
    this.out = new Linear(c.hidden, c.vocab);
  }

  forward(tokens: Tensor): Tensor {
    const [h] = this.lstm.forward(this.embed.forward(tokens)) as [Tensor, unknown];
    return this.out.forward(h.reshape([-1, h.shape[2]]));
  }
}

/**
 * A. Word-level LSTM language model: Embedding(10000,128) → LSTM(128→1024) → Linear(1024→10000),
 * batch 20 × BPTT 30, Adam, gradient norm clipped to 0.5.
 */
export const lmWorkload: WorkloadSpec<LmConfig> = {
  id: 'A',
  title: 'LM: Embedding(10000,128) → LSTM(1024) → Linear(10000), b20×30, Adam, clip 0.5',
  unit: 'tokens',
  full: { vocab: 10000, embed: 128, hidden: 1024, batch: 20, bptt: 30, lr: 1e-3, clip: 0.5 },
  tiny: { vocab: 50, embed: 8, hidden: 16, batch: 3, bptt: 4, lr: 1e-2, clip: 0.5 },
  data(c, seed): LmData {
    const rand = seededRandom(seed);
    const n = c.batch * c.bptt;
    return { tokens: [...randomTokens(rand, n, c.vocab)], targets: [...randomTokens(rand, n, c.vocab)] };
  },
  build(c, data): Workload {
    const d = data as LmData;
    const model = new LanguageModel(c);
    const opt = new Adam(model.parameters(), { lr: c.lr });
    const tokens = keep(tensor(Int32Array.from(d.tokens), { dtype: 'int32', shape: [c.bptt, c.batch] }));
    const targets = keep(tensor(Int32Array.from(d.targets), { dtype: 'int32', shape: [c.bptt * c.batch] }));
    return {
      unitsPerStep: c.batch * c.bptt,
      step: () =>
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(model.forward(tokens), targets);
          loss.backward();
          clipGradNorm(model.parameters(), c.clip);
          opt.step();
          return readLoss(loss);
        }),
      dispose() {
        opt.zeroGrad();
        model.dispose();
        tokens.dispose();
        targets.dispose();
      },
    };
  },
};
