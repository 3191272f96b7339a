import { Adam, crossEntropy, Embedding, Linear, LSTM, Module } from '@rnn/nn';
import { keep, type Tensor, tensor, tidy } from '@rnn/tensor';
import { randomTokens, readLoss, seededRandom, type Workload, type WorkloadSpec } from './common';

/** Workload B's shapes. */
export interface ClassifierConfig {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  classes: number;
  batch: number;
  seqLen: number;
  dropout: number;
  lr: number;
}

interface ClassifierData {
  tokens: number[];
  labels: number[];
}

class Classifier extends Module {
  embed: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(c: ClassifierConfig) {
    super();
    this.embed = new Embedding(c.vocab, c.embed);
    this.lstm = new LSTM(c.embed, c.hidden, { numLayers: c.layers, bidirectional: true, dropout: c.dropout });
    this.out = new Linear(2 * c.hidden, c.classes);
  }

  forward(tokens: Tensor): Tensor {
    const [h] = this.lstm.forward(this.embed.forward(tokens)) as [Tensor, unknown];
    return this.out.forward(h.select(0, h.shape[0] - 1));
  }
}

/**
 * B. Text classifier (THUCNews-style): Embedding(4762,300) → 2-layer BiLSTM(128) with dropout 0.5
 * between layers → the last time step → Linear(256→10); batch 64 × 32 tokens; Adam.
 */
export const classifierWorkload: WorkloadSpec<ClassifierConfig> = {
  id: 'B',
  title: 'classifier: Embedding(4762,300) → 2×BiLSTM(128), dropout → last → Linear(10), b64×32, Adam',
  unit: 'samples',
  full: {
    vocab: 4762,
    embed: 300,
    hidden: 128,
    layers: 2,
    classes: 10,
    batch: 64,
    seqLen: 32,
    dropout: 0.5,
    lr: 1e-3,
  },
  tiny: {
    vocab: 40,
    embed: 6,
    hidden: 5,
    layers: 2,
    classes: 3,
    batch: 4,
    seqLen: 5,
    dropout: 0.5,
    lr: 1e-2,
  },
  data(c, seed): ClassifierData {
    const rand = seededRandom(seed);
    return {
      tokens: [...randomTokens(rand, c.batch * c.seqLen, c.vocab)],
      labels: [...randomTokens(rand, c.batch, c.classes)],
    };
  },
  build(c, data): Workload {
    const d = data as ClassifierData;
    const model = new Classifier(c);
    model.train();
    const opt = new Adam(model.parameters(), { lr: c.lr });
    const tokens = keep(tensor(Int32Array.from(d.tokens), { dtype: 'int32', shape: [c.seqLen, c.batch] }));
    const labels = keep(tensor(Int32Array.from(d.labels), { dtype: 'int32', shape: [c.batch] }));
    return {
      unitsPerStep: c.batch,
      step: () =>
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(model.forward(tokens), labels);
          loss.backward();
          opt.step();
          return readLoss(loss);
        }),
      dispose() {
        opt.zeroGrad();
        model.dispose();
        tokens.dispose();
        labels.dispose();
      },
    };
  },
};
