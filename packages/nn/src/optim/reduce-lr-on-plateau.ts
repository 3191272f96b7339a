import { ValueError } from '@rnn/tensor';
import type { SchedulableOptimizer, SchedulerState } from './lr-scheduler';

/** Options of {@link ReduceLROnPlateau} (PyTorch's names in camelCase, same defaults). */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should decrease (a loss); `'max'`: increase (an accuracy). */
  mode?: 'min' | 'max';
  /** Factor the learning rate is multiplied by (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): relative to the best value; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the learning rate, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rate when a metric has stopped improving, exactly as
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: after more than `patience` epochs without an
 * improvement beyond `threshold`, every group's rate becomes `max(lr·factor, minLr)`, then
 * `cooldown` epochs pass before bad epochs are counted again.
 *
 * @example
 * ```ts
 * const plateau = new ReduceLROnPlateau(opt, { patience: 2 });
 * plateau.step(validationLoss); // once per epoch
 * ```
 */
export class ReduceLROnPlateau {
  /** Whether the metric should decrease (`'min'`) or increase (`'max'`). */
  mode: 'min' | 'max';
  /** Factor the learning rate is multiplied by on a plateau. */
  factor: number;
  /** Epochs without improvement tolerated before reducing. */
  patience: number;
  /** Minimum change that counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative to the best value or absolute. */
  thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown: number;
  /** Lower bound of each group's learning rate. */
  minLrs: number[];
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** The best metric seen so far. */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of `step()` calls. */
  lastEpoch = 0;
  /** The learning rates after the last step. */
  protected lastLr: number[];

  /** Watches a metric and reduces `optimizer`'s learning rates on plateaus. */
  constructor(
    /** The optimizer whose groups' `lr` are reduced. */
    readonly optimizer: SchedulableOptimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1))
      throw new ValueError(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    const groups = optimizer.paramGroups;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups.length) {
        throw new ValueError(
          `ReduceLROnPlateau: expected ${groups.length} minLr values (one per group), got ${minLr.length}`,
        );
      }
      this.minLrs = [...minLr];
    } else {
      this.minLrs = groups.map(() => minLr);
    }
    this.mode = options.mode ?? 'min';
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ValueError(`ReduceLROnPlateau: mode ${this.mode} is unknown`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(`ReduceLROnPlateau: thresholdMode ${this.thresholdMode} is unknown`);
    }
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    this.best = this.worst();
    this.lastLr = groups.map((g) => g.lr);
  }

  private worst(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    }
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Whether the scheduler is cooling down after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records one epoch's metric (a number: read a tensor with `await t.item()` first) and maybe reduces. */
  step(metric: number): void {
    if (typeof metric !== 'number')
      throw new ValueError('ReduceLROnPlateau.step: the metric must be a number');
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = g.lr;
      const next = Math.max(old * this.factor, this.minLrs[i]);
      if (old - next > this.eps) g.lr = next;
    });
  }

  /** The learning rates after the last step, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (everything but the optimizer), for checkpoints. */
  stateDict(): SchedulerState {
    const out: SchedulerState = {};
    for (const [k, v] of Object.entries(this)) {
      if (k !== 'optimizer') out[k] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  }

  /** Restores a {@link stateDict}; keys this scheduler does not have are an error. */
  loadStateDict(state: SchedulerState): void {
    const own = new Set(Object.keys(this));
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer' || !own.has(k)) {
        throw new ValueError(`ReduceLROnPlateau.loadStateDict: unexpected key "${k}"`);
      }
      (this as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v;
    }
  }
}
