import { ValueError } from '@rnn/tensor';

/** What a scheduler drives: an optimizer's parameter groups (any object with `lr` per group). */
export interface SchedulableOptimizer {
  /** The groups whose `lr` the scheduler sets. */
  paramGroups: { lr: number; initialLr?: number }[];
}

/** A scheduler's state for resuming: plain numbers and arrays (JSON-serializable, ±Infinity aside). */
export type SchedulerState = Record<string, unknown>;

/**
 * Base class of the epoch-based learning-rate schedulers, with PyTorch's semantics: constructing one
 * records each group's `initialLr` and performs the initial step (epoch 0, learning rates unchanged);
 * each `step()` then advances one epoch and writes the new rates into the optimizer's groups. The
 * rates are computed in PyTorch's recursive ("chainable") form, so schedulers compose and manual
 * changes of `lr` persist, as they do there.
 */
export abstract class LRScheduler {
  /** The epoch of the last `step()` (0 after construction). */
  lastEpoch: number;
  /** Each group's learning rate when scheduling started (`initialLr`). */
  baseLrs: number[];
  /** Number of `step()` calls, the initial one included. */
  protected stepCount = 0;
  /** The learning rates set by the last step. */
  protected lastLr: number[] = [];

  /**
   * @param optimizer - whose groups' `lr` are scheduled
   * @param lastEpoch - epoch to resume from (-1: start).
   */
  constructor(
    readonly optimizer: SchedulableOptimizer,
    lastEpoch = -1,
  ) {
    const groups = optimizer.paramGroups;
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new ValueError(`${new.target.name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    }
    groups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) {
        throw new ValueError(
          `${new.target.name}: paramGroups[${i}] has no initialLr; resuming with lastEpoch ${lastEpoch} needs one`,
        );
      }
    });
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor (PyTorch's initial step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates for the current `lastEpoch`, from the groups' current rates. */
  protected abstract computeLr(): number[];

  /** Advances one epoch and sets the groups' learning rates. Call it after `optimizer.step()`. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.computeLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates set by the last step, one per group. */
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
        throw new ValueError(`${this.constructor.name}.loadStateDict: unexpected key "${k}"`);
      }
      (this as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Decay every `stepSize` epochs. */
  stepSize: number;
  /** Multiplicative decay factor (default 0.1). */
  gamma?: number;
  /** Epoch to resume from (default -1: start). */
  lastEpoch?: number;
}

/** Multiplies the learning rate by `gamma` every `stepSize` epochs, like `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay factor. */
  gamma: number;

  /** Schedules `optimizer`'s learning rates (see the options). */
  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    super(optimizer, options.lastEpoch);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) {
      throw new ValueError(`StepLR: stepSize must be a positive integer, got ${options.stepSize}`);
    }
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Multiplicative decay factor per epoch. */
  gamma: number;
  /** Epoch to resume from (default -1: start). */
  lastEpoch?: number;
}

/** Multiplies the learning rate by `gamma` every epoch, like `torch.optim.lr_scheduler.ExponentialLR`. */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative decay factor per epoch. */
  gamma: number;

  /** Schedules `optimizer`'s learning rates (see the options). */
  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Half-period, in epochs. */
  tMax: number;
  /** Minimum learning rate (default 0). */
  etaMin?: number;
  /** Epoch to resume from (default -1: start). */
  lastEpoch?: number;
}

/**
 * Cosine annealing from each group's initial rate down to `etaMin` over `tMax` epochs (and back up,
 * periodically), in PyTorch's recursive form: `torch.optim.lr_scheduler.CosineAnnealingLR`.
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period, in epochs. */
  tMax: number;
  /** Minimum learning rate. */
  etaMin: number;

  /** Schedules `optimizer`'s learning rates (see the options). */
  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options.lastEpoch);
    if (!(options.tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be > 0, got ${options.tMax}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { tMax, etaMin, lastEpoch: e } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2,
      );
    }
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) *
          (g.lr - etaMin) +
        etaMin,
    );
  }
}

/** Python's `%` (the result has the sign of the divisor). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
