import type { Generator } from '@rnn/tensor';
import { ValueError } from '@rnn/tensor';
import type { Dataset } from './dataset';
import { type BatchSampler, RandomBatchSampler } from './samplers';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** Examples per batch (default 1). Ignored when `batchSampler` is given. */
  batchSize?: number;
  /** Reshuffle every epoch (default false). */
  shuffle?: boolean;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  /** Source of the shuffles: a `Generator`, a seed, or the default generator (`manualSeed`). */
  generator?: Generator | number;
  /** Turns a list of examples into a batch (e.g. {@link padCollate}); default: the list itself. */
  collate?: (examples: T[]) => B;
  /** Custom batches of indices (e.g. a {@link BucketBatchSampler}); replaces the four options above. */
  batchSampler?: BatchSampler;
}

/**
 * Where a {@link DataLoader} is in its epochs, for checkpoints (plain JSON): the sampler's state
 * when the current epoch began, how many batches of it were yielded, and the sampler's state now.
 */
export interface DataLoaderState {
  /** Sampler state before the current epoch's first batch; null between epochs. */
  epochStart: unknown;
  /** Batches of the current epoch already yielded (0 between epochs). */
  batchesDone: number;
  /** Sampler state when the snapshot was taken. */
  current: unknown;
}

/**
 * Iterates over a map-style dataset in batches, as PyTorch's `DataLoader`: each `for … of` is one
 * epoch. Batches are made on demand; tensors a `collate` makes are the caller's to dispose (or run
 * each step in `tidy` / `scope`).
 *
 * `stateDict()` / `loadStateDict()` save and restore the position inside an epoch (for exact resume
 * from a checkpoint): after loading, the next `for … of` replays the interrupted epoch's order and
 * continues with the batch that followed the snapshot. Both need a sampler with `getState` /
 * `setState` (the built-in samplers have them).
 */
export class DataLoader<T, B = T[]> implements Iterable<B> {
  /** The dataset the batches are drawn from. */
  readonly dataset: Dataset<T>;
  /** Decides the indices of each batch (given, or made from `batchSize`, `shuffle`, `dropLast`). */
  readonly batchSampler: BatchSampler;
  private readonly collate: (examples: T[]) => B;
  private epochStart: unknown = null;
  private batchesDone = 0;
  private pending: DataLoaderState | null = null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    if (options.batchSampler) {
      for (const k of ['batchSize', 'shuffle', 'dropLast', 'generator'] as const) {
        if (options[k] !== undefined) {
          throw new ValueError(`DataLoader: give either batchSampler or ${k}, not both`);
        }
      }
      this.batchSampler = options.batchSampler;
    } else {
      this.batchSampler = new RandomBatchSampler(dataset.length, {
        batchSize: options.batchSize ?? 1,
        shuffle: options.shuffle,
        dropLast: options.dropLast,
        generator: options.generator,
      });
    }
    this.collate = options.collate ?? ((examples: T[]) => examples as unknown as B);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.batchSampler.length;
  }

  /** The position in the current epoch (see {@link DataLoaderState}); needs a stateful sampler. */
  stateDict(): DataLoaderState {
    const sampler = this.statefulSampler('stateDict');
    if (this.pending) return { ...this.pending };
    return { epochStart: this.epochStart, batchesDone: this.batchesDone, current: sampler.getState() };
  }

  /**
   * Restores a {@link stateDict} snapshot. Between epochs it sets the sampler's state; inside an
   * epoch, the next iteration restores the epoch's starting state, skips the batches already done
   * (without collating them) and then restores the snapshot's state.
   */
  loadStateDict(state: DataLoaderState): void {
    const sampler = this.statefulSampler('loadStateDict');
    const ok =
      state !== null &&
      typeof state === 'object' &&
      Number.isInteger(state.batchesDone) &&
      state.batchesDone >= 0 &&
      state.batchesDone <= this.length &&
      (state.batchesDone === 0 || state.epochStart != null);
    if (!ok) {
      throw new ValueError(
        `DataLoader.loadStateDict: expected { epochStart, batchesDone: 0..${this.length}, current }, ` +
          `got ${JSON.stringify(state)}`,
      );
    }
    if (state.batchesDone === 0) {
      sampler.setState(state.current);
      this.pending = null;
    } else {
      this.pending = { ...state };
    }
    this.epochStart = null;
    this.batchesDone = 0;
  }

  private statefulSampler(op: string): Required<Pick<BatchSampler, 'getState' | 'setState'>> {
    const s = this.batchSampler;
    if (!s.getState || !s.setState) {
      throw new ValueError(
        `DataLoader.${op}: the batch sampler has no getState/setState, so its position cannot be saved`,
      );
    }
    return s as Required<Pick<BatchSampler, 'getState' | 'setState'>>;
  }

  /** One epoch of batches (resuming inside an epoch after {@link DataLoader.loadStateDict}). */
  *[Symbol.iterator](): Iterator<B> {
    const resume = this.pending;
    this.pending = null;
    const sampler = this.batchSampler;
    if (resume) sampler.setState!(resume.epochStart);
    this.epochStart = sampler.getState ? sampler.getState() : null;
    this.batchesDone = 0;
    const it = sampler[Symbol.iterator]();
    if (resume) {
      // Replay the interrupted epoch's draws, skip what was done, then continue from the snapshot.
      for (let i = 0; i < resume.batchesDone; i++) it.next();
      sampler.setState!(resume.current);
      this.batchesDone = resume.batchesDone;
    }
    for (let r = it.next(); !r.done; r = it.next()) {
      this.batchesDone++;
      yield this.collate(r.value.map((i) => this.dataset.get(i)));
    }
    this.epochStart = null;
    this.batchesDone = 0;
  }
}
