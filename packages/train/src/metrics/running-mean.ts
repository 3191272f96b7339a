/** A snapshot of a {@link RunningMean}, for checkpoints. */
export interface RunningMeanState {
  /** Sum of `value × weight`. */
  sum: number;
  /** Sum of the weights. */
  weight: number;
}

/**
 * A weighted running mean, for the mean loss of an epoch or of the steps since the last log line:
 * `add(value, weight)` with the batch's mean loss and its size, `mean` reads it (NaN when empty).
 */
export class RunningMean {
  /** Sum of `value × weight`. */
  sum = 0;
  /** Sum of the weights. */
  weight = 0;

  /** Adds a value with a weight (default 1). */
  add(value: number, weight = 1): void {
    this.sum += value * weight;
    this.weight += weight;
  }

  /** The weighted mean so far (NaN before any value). */
  get mean(): number {
    return this.weight === 0 ? Number.NaN : this.sum / this.weight;
  }

  /** Starts over. */
  reset(): void {
    this.sum = 0;
    this.weight = 0;
  }

  /** The state, for checkpoints. */
  stateDict(): RunningMeanState {
    return { sum: this.sum, weight: this.weight };
  }

  /** Restores a {@link stateDict}. */
  loadStateDict(state: RunningMeanState): void {
    this.sum = state.sum;
    this.weight = state.weight;
  }
}
