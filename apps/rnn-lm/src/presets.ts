/** The hyper-parameters a preset fixes; every one can be overridden by its flag. */
export interface Preset {
  embed: number;
  hidden: number;
  layers: number;
  dropout: number;
  tied: boolean;
  /** U(−r, r) for the embedding and output weights (PyTorch example); null: `torch.nn` defaults. */
  initRange: number | null;
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** Factor the learning rate is multiplied by when validation perplexity stops improving (1: never). */
  anneal: number;
  /** After this epoch and every later one, the learning rate is also multiplied by `decay` (0: never). */
  decayAfter: number;
  /** See `decayAfter`. */
  decay: number;
  clip: number;
  epochs: number;
  batchSize: number;
  bptt: number;
}

/** The presets of `rnn-lm train --preset`. */
export const PRESETS = {
  /**
   * Exactly the tutorial's model and schedule (the PyTorch tutorial of `shared/seeds/004`):
   * Embedding 128 → 1-layer LSTM 1024 → Linear 10000, batch 20, BPTT 30, Adam 0.002 (constant),
   * gradient norm clipped to 0.5, 5 epochs, `torch.nn` default initialisation, no dropout.
   */
  tutorial: {
    embed: 128,
    hidden: 1024,
    layers: 1,
    dropout: 0,
    tied: false,
    initRange: null,
    optimizer: 'adam',
    lr: 0.002,
    anneal: 1,
    decayAfter: 0,
    decay: 1,
    clip: 0.5,
    epochs: 5,
    batchSize: 20,
    bptt: 30,
  },
  /**
   * Sized for 2 CPU cores and about 90 minutes: PyTorch's word_language_model recipe (2-layer LSTM,
   * tied embeddings, SGD with a high learning rate, clipping 0.25, learning rate divided by 4 on a
   * plateau) at a width whose 18 epochs fit the budget (measured ms/step: apps/rnn-lm/README.md), with
   * Zaremba et al.'s per-epoch decay over the last 11 epochs so that the run ends at a low rate.
   */
  small: {
    embed: 256,
    hidden: 256,
    layers: 2,
    dropout: 0.25,
    tied: true,
    initRange: 0.1,
    optimizer: 'sgd',
    lr: 20,
    anneal: 0.25,
    decayAfter: 7,
    decay: 0.7,
    clip: 0.25,
    epochs: 18,
    batchSize: 20,
    bptt: 35,
  },
  /** Zaremba et al.'s medium size, dropout and epochs (2×650, 0.5, 39), with the same recipe: for a GPU. */
  medium: {
    embed: 650,
    hidden: 650,
    layers: 2,
    dropout: 0.5,
    tied: false,
    initRange: 0.05,
    optimizer: 'sgd',
    lr: 20,
    anneal: 0.25,
    decayAfter: 0,
    decay: 1,
    clip: 0.25,
    epochs: 39,
    batchSize: 20,
    bptt: 35,
  },
} as const satisfies Record<string, Preset>;

/**
 * What changes without `--data`, on the repo's PTB sample (1,100 training words): batches of 5
 * streams, so that an epoch has a few steps, and more epochs; about a minute on 2 cores. Flags given
 * explicitly still win.
 */
export const QUICK_RUN = { batchSize: 5, epochs: 40 } as const;

/** A preset's name. */
export type PresetName = keyof typeof PRESETS;

/** The names, for the `--preset` flag. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
