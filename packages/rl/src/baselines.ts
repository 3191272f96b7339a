import { cat, type DType, keep, noGrad, type Tensor, tensor, ValueError, where } from '@rnn/tensor';

/** Options of {@link MovingAverageBaseline}. */
export interface MovingAverageBaselineOptions {
  /** Weight of the old value in each update: `b ← m·b + (1 − m)·mean(reward)` (default 0.9). */
  momentum?: number;
  /** dtype of the state (default float32). */
  dtype?: DType;
}

/**
 * An exponential moving average of the mean reward, the simplest REINFORCE baseline: rewards above
 * the recent average are reinforced, those below discouraged.
 *
 * Its state lives in a tensor (`state`: the average and the number of updates), updated in place
 * and never read back to the host, so it costs no synchronisation on a GPU. Register `state` as a
 * buffer of your model (`this.rewardBaseline = baseline.state`) and the average is saved in
 * checkpoints and restored by `loadStateDict`, so a resumed run continues exactly.
 *
 * @example
 * ```ts
 * const baseline = new MovingAverageBaseline({ momentum: 0.9 });
 * const { loss } = reinforceLoss(logProb, reward, { baseline });   // updates the average
 * ```
 */
export class MovingAverageBaseline {
  /** `[average, updates]`; before the first update the batch's own mean is the baseline. */
  readonly state: Tensor;
  /** Weight of the old value in each update. */
  readonly momentum: number;

  constructor(options: MovingAverageBaselineOptions = {}) {
    this.momentum = options.momentum ?? 0.9;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new ValueError(`MovingAverageBaseline: momentum must be in [0, 1), got ${this.momentum}`);
    }
    this.state = keep(tensor([0, 0], { dtype: options.dtype ?? 'float32' }));
  }

  /** The baseline for a batch whose mean reward is `batchMean` (a 0-d tensor): the average so far. */
  value(batchMean: Tensor): Tensor {
    return noGrad(() => {
      const [avg, count] = this.state.split(1, 0);
      return where(count.gt(0), avg, batchMean.reshape([1]).asType(this.state.dtype)).reshape([]);
    });
  }

  /** Folds a batch's mean reward into the average. */
  update(batchMean: Tensor): void {
    noGrad(() => {
      const m = batchMean.reshape([1]).asType(this.state.dtype);
      const [avg, count] = this.state.split(1, 0);
      const next = where(count.gt(0), avg.mul(this.momentum).add(m.mul(1 - this.momentum)), m);
      this.state.assign(cat([next.reshape([1]), count.add(1)]));
    });
  }

  /** The average as a plain number (a synchronous read: CPU only; `await state.data()` elsewhere). */
  get average(): number {
    return this.state.dataSync()[0];
  }
}
