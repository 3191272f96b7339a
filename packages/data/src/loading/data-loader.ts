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
 * Iterates over a map-style dataset in batches, as PyTorch's `DataLoader`: each `for … of` is one
 * epoch. Batches are made on demand; tensors a `collate` makes are the caller's to dispose (or run
 * each step in `tidy` / `scope`).
 */
export class DataLoader<T, B = T[]> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSampler: BatchSampler;
  private readonly collate: (examples: T[]) => B;

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

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchSampler) {
      yield this.collate(indices.map((i) => this.dataset.get(i)));
    }
  }
}
