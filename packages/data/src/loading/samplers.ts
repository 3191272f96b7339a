import type { Generator } from '@rnn/tensor';
import { ValueError } from '@rnn/tensor';
import { SeededRandom, type SeededRandomState } from './random';

/**
 * Yields batches of dataset indices; `length` is the number of batches per epoch. A sampler that
 * draws random numbers may also offer `getState` / `setState` (JSON-serializable), which is what lets
 * a `DataLoader` save and restore its position in an epoch.
 */
export interface BatchSampler extends Iterable<number[]> {
  /** Batches per epoch. */
  readonly length: number;
  /** The state of the sampler's random draws, as JSON. */
  getState?(): unknown;
  /** Restores a {@link BatchSampler.getState} snapshot. */
  setState?(state: unknown): void;
}

/** Options of {@link BatchSamplerOptions}-based samplers. */
export interface BatchSamplerOptions {
  batchSize: number;
  /** Leave out a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Shuffle every epoch (default false). */
  shuffle?: boolean;
  /**
   * Where shuffles draw from: a `Generator`, a seed, or (default) the default generator that
   * `manualSeed` sets. Each epoch advances it, so epochs differ and a run replays exactly.
   */
  generator?: Generator | number;
}

/** @internal */
export function checkBatchSize(op: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`${op}: batchSize must be a positive integer, got ${batchSize}`);
  }
}

function chunk(indices: number[], size: number, dropLast: boolean): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += size) {
    const b = indices.slice(i, i + size);
    if (b.length < size && dropLast) break;
    out.push(b);
  }
  return out;
}

/** Batches of `0..n-1` in order, or in a seeded random order each epoch with `shuffle`. */
export class RandomBatchSampler implements BatchSampler {
  private readonly rng: SeededRandom;
  /** Indices per batch (the last batch may have fewer, unless `dropLast`). */
  readonly batchSize: number;
  /** Whether a last batch smaller than `batchSize` is left out. */
  readonly dropLast: boolean;
  /** Whether each epoch has a new random order (default: in order). */
  readonly shuffle: boolean;

  constructor(
    /** The number of examples: the indices are `0..size-1`. */
    readonly size: number,
    options: BatchSamplerOptions,
  ) {
    checkBatchSize('RandomBatchSampler', options.batchSize);
    this.batchSize = options.batchSize;
    this.dropLast = options.dropLast ?? false;
    this.shuffle = options.shuffle ?? false;
    this.rng = new SeededRandom(options.generator);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** The state of the shuffles (see {@link SeededRandom.getState}). */
  getState(): SeededRandomState {
    return this.rng.getState();
  }

  /** Restores a {@link getState} snapshot. */
  setState(state: unknown): void {
    this.rng.setState(state as SeededRandomState);
  }

  /** One epoch: the batches of indices (a new shuffle each time, when shuffling). */
  *[Symbol.iterator](): Iterator<number[]> {
    const order = this.shuffle
      ? this.rng.permutation(this.size)
      : Array.from({ length: this.size }, (_, i) => i);
    yield* chunk(order, this.batchSize, this.dropLast);
  }
}

/** Options of {@link BucketBatchSampler}. */
export interface BucketBatchSamplerOptions extends BatchSamplerOptions {
  /**
   * How many examples are sorted together (a pool). Default `50 × batchSize`; rounded up to a
   * multiple of `batchSize`. Larger pools give more uniform lengths within batches, smaller pools
   * more randomness.
   */
  bucketSize?: number;
}

/**
 * Length bucketing: batches of examples of similar length, so little padding is needed. Each epoch
 * (with `shuffle`, the default here) the indices are shuffled, cut into pools of `bucketSize`, each
 * pool is sorted by length and cut into batches, and the order of all batches is shuffled. Without
 * `shuffle` it is deterministic: all examples sorted by length (ties by index), batched in order.
 */
export class BucketBatchSampler implements BatchSampler {
  private readonly rng: SeededRandom;
  /** The length of each example (index `i` is example `i`). */
  readonly lengths: readonly number[];
  /** Indices per batch (one batch of an epoch may have fewer, unless `dropLast`). */
  readonly batchSize: number;
  /** Examples sorted together: a multiple of `batchSize` ({@link BucketBatchSamplerOptions.bucketSize}). */
  readonly bucketSize: number;
  /** Whether batches smaller than `batchSize` are left out. */
  readonly dropLast: boolean;
  /** Whether each epoch has a new random order (default here: yes). */
  readonly shuffle: boolean;

  constructor(lengths: ArrayLike<number>, options: BucketBatchSamplerOptions) {
    checkBatchSize('BucketBatchSampler', options.batchSize);
    this.lengths = Array.from(lengths);
    for (const [i, n] of this.lengths.entries()) {
      if (!Number.isInteger(n) || n < 0) {
        throw new ValueError(`BucketBatchSampler: lengths must be non-negative integers, got ${n} at ${i}`);
      }
    }
    this.batchSize = options.batchSize;
    const pool = options.bucketSize ?? 50 * options.batchSize;
    if (!Number.isInteger(pool) || pool < 1) {
      throw new ValueError(`BucketBatchSampler: bucketSize must be a positive integer, got ${pool}`);
    }
    this.bucketSize = Math.ceil(pool / this.batchSize) * this.batchSize;
    this.dropLast = options.dropLast ?? false;
    this.shuffle = options.shuffle ?? true;
    this.rng = new SeededRandom(options.generator);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.lengths.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The state of the shuffles (see {@link SeededRandom.getState}). */
  getState(): SeededRandomState {
    return this.rng.getState();
  }

  /** Restores a {@link getState} snapshot. */
  setState(state: unknown): void {
    this.rng.setState(state as SeededRandomState);
  }

  /** One epoch: the batches of indices (a new shuffle each time, when shuffling). */
  *[Symbol.iterator](): Iterator<number[]> {
    const n = this.lengths.length;
    const len = this.lengths;
    const byLength = (a: number, b: number) => len[a] - len[b] || a - b;
    if (!this.shuffle) {
      const order = Array.from({ length: n }, (_, i) => i).sort(byLength);
      yield* chunk(order, this.batchSize, this.dropLast);
      return;
    }
    const order = this.rng.permutation(n);
    const batches: number[][] = [];
    for (let p = 0; p < n; p += this.bucketSize) {
      const pool = order.slice(p, p + this.bucketSize).sort(byLength);
      // Pools are multiples of batchSize, so only the very last batch can be short.
      batches.push(...chunk(pool, this.batchSize, this.dropLast));
    }
    yield* this.rng.shuffle(batches);
  }
}
