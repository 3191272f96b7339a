import { ReduceLROnPlateau, type SchedulableOptimizer } from '@rnn/nn';

/** Options of {@link Annealing}. */
export interface AnnealingOptions {
  /** Multiply the learning rate by this when the validation loss does not improve (< 1). */
  factor: number;
  /** After this epoch and every later one (0: never), also multiply it by `decay`. */
  decayAfter: number;
  /** The per-epoch factor after `decayAfter`. */
  decay: number;
}

/**
 * The learning-rate schedule of `rnn-lm train`: PyTorch word_language_model's plateau rule (an epoch
 * whose validation loss is no better than the best so far multiplies the rate by `factor`), plus,
 * from epoch `decayFrom` on, Zaremba et al.'s geometric decay (the rate multiplied by `decay` after
 * every epoch), which brings a run of a fixed length to a low rate in time. Stepped by `fit` with the
 * validation loss (it is a `ReduceLROnPlateau`); its state is checkpointed with it.
 */
export class Annealing extends ReduceLROnPlateau {
  decayAfter: number;
  decay: number;

  constructor(optimizer: SchedulableOptimizer, options: AnnealingOptions) {
    super(optimizer, { mode: 'min', factor: options.factor, patience: 0, threshold: 0 });
    this.decayAfter = options.decayAfter;
    this.decay = options.decay;
  }

  /** Records an epoch's validation loss: a plateau anneals; after `decayAfter`, the decay applies too. */
  override step(validLoss: number): void {
    super.step(validLoss); // counts the epoch in lastEpoch
    if (this.decayAfter > 0 && this.lastEpoch >= this.decayAfter && this.decay < 1) {
      for (const g of this.optimizer.paramGroups) g.lr *= this.decay;
      this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
    }
  }
}
