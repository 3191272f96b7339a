import { Adam, crossEntropy } from '@rnn/nn';
import { NliClassifier, type PairBatch, randomTransitions } from '@rnn/spinn';
import { keep, tensor, tidy } from '@rnn/tensor';
import { randomInt, randomTokens, readLoss, seededRandom, type Workload, type WorkloadSpec } from './common';

/** Workload D's shapes. */
export interface SpinnConfig {
  vocab: number;
  embed: number;
  hidden: number;
  tracker: number;
  mlp: number;
  classes: number;
  pairs: number;
  premise: [number, number];
  hypothesis: [number, number];
  lr: number;
}

/** One sentence: its token ids and its SHIFT (0) / REDUCE (1) sequence, a random binary tree. */
export interface Sentence {
  tokens: number[];
  transitions: number[];
}

export interface SpinnData {
  premises: Sentence[];
  hypotheses: Sentence[];
  labels: number[];
}

export { randomTransitions };

function sentence(rand: () => number, [lo, hi]: [number, number], vocab: number): Sentence {
  const n = randomInt(rand, lo, hi);
  return { tokens: [...randomTokens(rand, n, vocab)], transitions: randomTransitions(rand, n) };
}

/** The pairs as `@rnn/spinn`'s model reads them: premises then hypotheses, word after word. */
function pairBatch(d: SpinnData): PairBatch {
  const all = [...d.premises, ...d.hypotheses];
  return {
    ids: keep(tensor(Int32Array.from(all.flatMap((s) => s.tokens)))),
    sentences: all.map((s) => ({ length: s.tokens.length, transitions: s.transitions })),
    labels: keep(tensor(Int32Array.from(d.labels))),
    size: d.labels.length,
  };
}

/**
 * D. SPINN (Bowman et al. 2016) on SNLI-like pairs: 128 premise/hypothesis pairs of random binary
 * trees (premises 6–26 words, hypotheses 3–13), fixed 300-d word vectors projected to h‖c, a
 * TreeLSTM reduce (hidden 300) conditioned on a tracker LSTMCell (64), batched per transition step,
 * then an MLP on [p, h, p − h, p·h] over 3 classes; Adam. The model is the `spinn` app's
 * (`@rnn/spinn`'s `NliClassifier`, without BatchNorm and dropout), so the benchmark measures what
 * the app trains.
 */
export const spinnWorkload: WorkloadSpec<SpinnConfig> = {
  id: 'D',
  title: 'SPINN: 128 pairs, hidden 300, tracker 64, TreeLSTM reduce, batched per transition, Adam',
  unit: 'pairs',
  full: {
    vocab: 20000,
    embed: 300,
    hidden: 300,
    tracker: 64,
    mlp: 1024,
    classes: 3,
    pairs: 128,
    premise: [6, 26],
    hypothesis: [3, 13],
    lr: 1e-3,
  },
  tiny: {
    vocab: 30,
    embed: 6,
    hidden: 5,
    tracker: 3,
    mlp: 8,
    classes: 3,
    pairs: 4,
    premise: [2, 5],
    hypothesis: [1, 4],
    lr: 1e-2,
  },
  data(c, seed): SpinnData {
    const rand = seededRandom(seed);
    const premises = Array.from({ length: c.pairs }, () => sentence(rand, c.premise, c.vocab));
    const hypotheses = Array.from({ length: c.pairs }, () => sentence(rand, c.hypothesis, c.vocab));
    return { premises, hypotheses, labels: [...randomTokens(rand, c.pairs, c.classes)] };
  },
  build(c, data): Workload {
    const model = new NliClassifier({
      encoder: 'spinn',
      vocabSize: c.vocab,
      embedDim: c.embed,
      hidden: c.hidden,
      tracker: c.tracker,
      transitionHead: false,
      mlpLayers: 2,
      mlpDim: c.mlp,
      dropout: 0,
      batchNorm: false,
      freezeEmbeddings: true, // fixed word vectors, as SPINN uses GloVe
    });
    const opt = new Adam(
      model.parameters().filter((p) => p.requiresGrad),
      { lr: c.lr },
    );
    const batch = pairBatch(data as SpinnData);
    return {
      unitsPerStep: c.pairs,
      step: () =>
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(model.forward(batch).logits, batch.labels!);
          loss.backward();
          opt.step();
          return readLoss(loss);
        }),
      dispose() {
        opt.zeroGrad();
        model.dispose();
        batch.ids.dispose();
        batch.labels!.dispose();
      },
    };
  },
};
