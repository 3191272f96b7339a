import { type Tensor, tensor, ValueError } from '@rnn/tensor';

/** Options of {@link padBatch}. */
export interface PadOptions {
  /** Id written in padded positions (default 0). */
  padId?: number;
  /** `[B, T]` instead of the default time-major `[T, B]` (PyTorch's `batch_first`). */
  batchFirst?: boolean;
  /** Pad or truncate every sequence to exactly this many steps instead of padding to the longest. */
  padSize?: number;
  /** Truncate sequences longer than this (keeping the start); pad to the longest otherwise. */
  maxLength?: number;
  /** dtype of the mask: `'bool'` (default) or `'float32'` (1 for real tokens, 0 for padding). */
  maskDtype?: 'bool' | 'float32';
}

/** A padded batch of id sequences. */
export interface PaddedBatch {
  /** int32 `[T, B]` (or `[B, T]` with `batchFirst`). */
  ids: Tensor;
  /** int32 `[B]`: real steps per sequence (after truncation). */
  lengths: Tensor;
  /** The same lengths on the host, for `packPaddedSequence` without reading a device tensor back. */
  lengthsArray: Int32Array;
  /** `[T, B]` (or `[B, T]`): true / 1 at real tokens, false / 0 at padding. */
  mask: Tensor;
}

/**
 * Pads id sequences into one tensor with their lengths and mask, as `pad_sequence` plus the
 * bookkeeping a recurrent model needs. Sequences keep their order.
 */
export function padBatch(sequences: readonly ArrayLike<number>[], options: PadOptions = {}): PaddedBatch {
  const op = 'padBatch';
  const padId = options.padId ?? 0;
  const batch = sequences.length;
  if (batch === 0) throw new ValueError(`${op}: expected at least one sequence, got none`);
  if (options.padSize !== undefined && (!Number.isInteger(options.padSize) || options.padSize < 1)) {
    throw new ValueError(`${op}: padSize must be a positive integer, got ${options.padSize}`);
  }
  if (options.maxLength !== undefined && (!Number.isInteger(options.maxLength) || options.maxLength < 1)) {
    throw new ValueError(`${op}: maxLength must be a positive integer, got ${options.maxLength}`);
  }
  const cap = options.padSize ?? options.maxLength ?? Number.POSITIVE_INFINITY;
  const lengths = new Int32Array(batch);
  let longest = 0;
  for (let b = 0; b < batch; b++) {
    const n = Math.min(sequences[b].length, cap);
    lengths[b] = n;
    if (n > longest) longest = n;
  }
  const steps = options.padSize ?? longest;
  if (steps === 0) throw new ValueError(`${op}: all ${batch} sequences are empty; nothing to pad`);
  const ids = new Int32Array(steps * batch);
  if (padId !== 0) ids.fill(padId);
  const float = options.maskDtype === 'float32';
  if (options.maskDtype !== undefined && options.maskDtype !== 'bool' && !float) {
    throw new ValueError(
      `${op}: maskDtype must be 'bool' or 'float32', got ${JSON.stringify(options.maskDtype)}`,
    );
  }
  const mask = float ? new Float32Array(steps * batch) : new Uint8Array(steps * batch);
  const bf = options.batchFirst ?? false;
  for (let b = 0; b < batch; b++) {
    const seq = sequences[b];
    const n = lengths[b];
    for (let t = 0; t < n; t++) {
      const v = seq[t];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new ValueError(`${op}: sequence ${b} has a non-integer id ${v} at step ${t}`);
      }
      const k = bf ? b * steps + t : t * batch + b;
      ids[k] = v;
      mask[k] = 1;
    }
  }
  const shape = bf ? [batch, steps] : [steps, batch];
  return {
    ids: tensor(ids, { dtype: 'int32', shape }),
    lengths: tensor(lengths.slice(), { dtype: 'int32', shape: [batch] }),
    lengthsArray: lengths,
    mask: tensor(mask, { dtype: float ? 'float32' : 'bool', shape }),
  };
}

/** An example for {@link padCollate}: token ids and, for classification, a label. */
export interface SequenceExample {
  ids: ArrayLike<number>;
  label?: number;
}

/** Options of {@link padCollate}. */
export interface CollateOptions<T> extends PadOptions {
  /** Sort the batch by decreasing length (for `packPaddedSequence(…, { enforceSorted: true })`). */
  sortByLength?: boolean;
  /** Ids of an example (default `example.ids`). */
  getIds?: (example: T) => ArrayLike<number>;
  /** Label of an example (default `example.label`, when it is a number). */
  getLabel?: (example: T) => number | undefined;
}

/** What {@link padCollate} returns. */
export interface CollatedBatch extends PaddedBatch {
  /** int32 `[B]`, when the examples have labels. */
  labels?: Tensor;
  /**
   * Position of each row in the batch as the sampler gave it: row `i` is example `indices[i]`
   * (the identity unless `sortByLength`).
   */
  indices: Int32Array;
}

/**
 * A `collate` function for {@link DataLoader}: pads the examples' ids to the longest (or to
 * `padSize`), returns lengths, mask and labels, and optionally sorts by decreasing length
 * (stable) so the batch can be packed with `enforceSorted`.
 */
export function padCollate<T = SequenceExample>(
  options: CollateOptions<T> = {},
): (examples: T[]) => CollatedBatch {
  const getIds = options.getIds ?? ((e: T) => (e as unknown as SequenceExample).ids);
  const getLabel = options.getLabel ?? ((e: T) => (e as unknown as SequenceExample).label);
  return (examples) => {
    let order = examples.map((_, i) => i);
    const seqs = examples.map(getIds);
    if (options.sortByLength) order = order.sort((a, b) => seqs[b].length - seqs[a].length || a - b);
    const padded = padBatch(
      order.map((i) => seqs[i]),
      options,
    );
    const out: CollatedBatch = { ...padded, indices: Int32Array.from(order) };
    const labels = order.map((i) => getLabel(examples[i]));
    if (labels.length > 0 && labels.every((l) => typeof l === 'number')) {
      out.labels = tensor(Int32Array.from(labels as number[]), { dtype: 'int32', shape: [labels.length] });
    } else if (labels.some((l) => l !== undefined)) {
      throw new ValueError('padCollate: some examples have a label and some do not');
    }
    return out;
  };
}
