import { ValueError } from '@rnn/tensor';

/** A map-style dataset: a length and random access by index, as PyTorch's `Dataset`. */
export interface Dataset<T> {
  /** The number of items. */
  readonly length: number;
  /** The item at `index`, an integer in `[0, length)`. */
  get(index: number): T;
}

/** A dataset over an array (no copy). */
export class ArrayDataset<T> implements Dataset<T> {
  constructor(
    /** The items, as given (not copied). */
    readonly items: readonly T[],
  ) {}

  /** The number of items. */
  get length(): number {
    return this.items.length;
  }

  /** The item at `index` (a `ValueError` outside `[0, length)`). */
  get(index: number): T {
    checkIndex('ArrayDataset', index, this.items.length);
    return this.items[index];
  }
}

/** A dataset whose items are `fn(source.get(i), i)`, computed on access. */
export class MappedDataset<S, T> implements Dataset<T> {
  constructor(
    /** The dataset whose items are mapped. */
    readonly source: Dataset<S>,
    /** Maps an item of `source` (and its index) to this dataset's item. */
    readonly fn: (item: S, index: number) => T,
  ) {}

  /** The number of items. */
  get length(): number {
    return this.source.length;
  }

  /** The item at `index` (a `ValueError` outside `[0, length)`). */
  get(index: number): T {
    return this.fn(this.source.get(index), index);
  }
}

/** A view of some indices of another dataset (a split, a subsample). */
export class Subset<T> implements Dataset<T> {
  constructor(
    /** The dataset the indices point into. */
    readonly source: Dataset<T>,
    /** Item `i` of the subset is item `indices[i]` of `source`. */
    readonly indices: readonly number[],
  ) {
    for (const i of indices) checkIndex('Subset', i, source.length);
  }

  /** The number of items. */
  get length(): number {
    return this.indices.length;
  }

  /** The item at `index` (a `ValueError` outside `[0, length)`). */
  get(index: number): T {
    checkIndex('Subset', index, this.indices.length);
    return this.source.get(this.indices[index]);
  }
}

/** @internal */
export function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(`${op}: index must be an integer in [0, ${length}), got ${index}`);
  }
}
