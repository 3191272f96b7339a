import { ValueError } from '@rnn/tensor';

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** `'min'` (default) when lower is better (a loss), `'max'` when higher is (an accuracy). */
  mode?: 'min' | 'max';
  /** Evaluations without improvement tolerated before stopping (default 5; `Infinity`: never stop). */
  patience?: number;
  /** An improvement must beat the best value by more than this (absolute, default 0). */
  minDelta?: number;
}

/** A snapshot of an {@link EarlyStopping}, for checkpoints (JSON; `best` may be ±Infinity). */
export interface EarlyStoppingState {
  /** The best value so far. */
  best: number;
  /** Its epoch (0 before the first evaluation). */
  bestEpoch: number;
  /** Evaluations since the last improvement. */
  badEpochs: number;
  /** Whether the last evaluation improved. */
  improved: boolean;
}

/**
 * Watches a validation metric: `step(value, epoch)` records one evaluation and returns true when
 * training should stop (`patience` evaluations in a row without an improvement beyond `minDelta`,
 * as Lightning's `EarlyStopping`). `improved` tells whether the last value was the best
 * so far, which is when to save the "best" checkpoint. NaN never improves.
 *
 * @example
 * ```ts
 * const stopper = new EarlyStopping({ mode: 'max', patience: 3 });
 * for (let epoch = 1; epoch <= epochs; epoch++) {
 *   // ... train, evaluate ...
 *   if (stopper.step(dev.accuracy, epoch)) break;
 * }
 * ```
 */
export class EarlyStopping {
  /** Whether lower (`'min'`) or higher (`'max'`) values are better. */
  readonly mode: 'min' | 'max';
  /** Evaluations without improvement tolerated. */
  readonly patience: number;
  /** Margin an improvement must exceed. */
  readonly minDelta: number;
  /** The best value so far (±Infinity before the first). */
  best: number;
  /** The epoch of the best value (0 before the first). */
  bestEpoch = 0;
  /** Evaluations since the last improvement. */
  badEpochs = 0;
  /** Whether the last `step` improved on the best value. */
  improved = false;

  constructor(options: EarlyStoppingOptions = {}) {
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') {
      throw new ValueError(`EarlyStopping: mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}`);
    }
    this.patience = options.patience ?? 5;
    if (!(this.patience >= 0)) {
      throw new ValueError(`EarlyStopping: patience must be >= 0, got ${this.patience}`);
    }
    this.minDelta = options.minDelta ?? 0;
    if (!(this.minDelta >= 0)) {
      throw new ValueError(`EarlyStopping: minDelta must be >= 0, got ${this.minDelta}`);
    }
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Whether `value` beats the best so far by more than `minDelta`. */
  isImprovement(value: number): boolean {
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  /** Records one evaluation; returns true when training should stop. */
  step(value: number, epoch: number): boolean {
    this.improved = this.isImprovement(value);
    if (this.improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    return this.shouldStop;
  }

  /** Whether patience has run out (`patience` evaluations in a row without improvement). */
  get shouldStop(): boolean {
    return this.badEpochs > 0 && this.badEpochs >= this.patience;
  }

  /** The state, for checkpoints. */
  stateDict(): EarlyStoppingState {
    return { best: this.best, bestEpoch: this.bestEpoch, badEpochs: this.badEpochs, improved: this.improved };
  }

  /** Restores a {@link stateDict}. */
  loadStateDict(state: EarlyStoppingState): void {
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.badEpochs = state.badEpochs;
    this.improved = state.improved;
  }
}
