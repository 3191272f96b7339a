import { type Backend, cat, full, ShapeError, type Tensor, tensor, ValueError } from '@rnn/tensor';

/** Sequence lengths: a plain array, an `Int32Array`, or a 1-D tensor (read back synchronously). */
export type Lengths = readonly number[] | Int32Array | Tensor;

/**
 * A batch of variable-length sequences packed time step by time step, as PyTorch's `PackedSequence`:
 * `data` holds step 0 of every sequence (longest first), then step 1 of every sequence that is still
 * running, and so on; `batchSizes[t]` is how many rows step `t` has. Recurrent layers run on it
 * without ever computing on padding.
 *
 * Lengths and indices are plain host arrays: they steer the time loop, so they never live on a GPU
 * (which is why, unlike PyTorch, there is no "lengths must be on the CPU" pitfall).
 */
export class PackedSequence {
  /** `unsortedIndices[b]` = the sorted position of original sequence `b` (inverse of `sortedIndices`). */
  readonly unsortedIndices: readonly number[] | null;

  constructor(
    /** The packed rows `[sum(batchSizes), *]`. */
    readonly data: Tensor,
    /** Rows per time step, non-increasing; `batchSizes[0]` is the number of sequences. */
    readonly batchSizes: readonly number[],
    /**
     * `sortedIndices[j]` = the original batch index of the sequence at sorted position `j`, or `null`
     * when the batch was already sorted by decreasing length.
     */
    readonly sortedIndices: readonly number[] | null = null,
    unsortedIndices?: readonly number[] | null,
  ) {
    checkBatchSizes('PackedSequence', batchSizes, data);
    if (sortedIndices) checkPermutation('PackedSequence', 'sortedIndices', sortedIndices, batchSizes[0]);
    this.unsortedIndices = unsortedIndices ?? (sortedIndices ? invertPermutation(sortedIndices) : null);
  }

  /** Number of sequences. */
  get batchSize(): number {
    return this.batchSizes[0];
  }

  /** Each sequence's length, in the original batch order. */
  get lengths(): number[] {
    const sortedLengths = lengthsFromBatchSizes(this.batchSizes);
    const u = this.unsortedIndices;
    return u ? u.map((j) => sortedLengths[j]) : sortedLengths;
  }

  /** The same packing with other data (`[sum(batchSizes), *]`), e.g. a layer's output. */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }

  /** The packed sequence with its data on another backend. */
  to(backend: string | Backend): PackedSequence {
    return this.withData(this.data.to(backend));
  }
}

/** Options of {@link packPaddedSequence}. */
export interface PackOptions {
  /** Whether the input is `[B, T, *]` instead of `[T, B, *]` (default `false`). */
  batchFirst?: boolean;
  /**
   * Require lengths sorted in decreasing order (and keep the batch order as is). Default `false`:
   * lengths may come in any order and are sorted here (PyTorch defaults to `true`, a common pitfall).
   */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch `[T, B, *]` (or `[B, T, *]` with `batchFirst`) of sequences with the given
 * `lengths` (any order unless `enforceSorted`). The padding is dropped: it is never computed on.
 * Lengths must be integers in `[1, T]`, one per sequence; anything else is a `ValueError` or
 * `ShapeError` saying which length is wrong.
 *
 * @example
 * ```ts
 * const packed = packPaddedSequence(padded, [2, 5, 3]);   // B = 3, T = 5
 * const [out, h] = gru.forward(packed);
 * const [outPadded, lengths] = padPackedSequence(out);    // [5, 3, H], [2, 5, 3]
 * ```
 */
export function packPaddedSequence(
  input: Tensor,
  lengths: Lengths,
  options: PackOptions = {},
): PackedSequence {
  const op = 'packPaddedSequence';
  const batchFirst = options.batchFirst ?? false;
  if (input.ndim < 2) {
    throw new ShapeError(
      `${op}: input must be ${batchFirst ? '[B, T, *]' : '[T, B, *]'} (at least 2-D), got [${input.shape.join(', ')}]`,
    );
  }
  const steps = input.shape[batchFirst ? 1 : 0];
  const batch = input.shape[batchFirst ? 0 : 1];
  const lens = readLengths(op, lengths, batch, steps);
  let sorted: number[] | null = null;
  if (options.enforceSorted) {
    for (let b = 1; b < lens.length; b++) {
      if (lens[b] > lens[b - 1]) {
        throw new ValueError(
          `${op}: with enforceSorted: true the lengths must be in decreasing order, got [${lens.join(', ')}]; ` +
            'pass enforceSorted: false to let packPaddedSequence sort them',
        );
      }
    }
  } else {
    sorted = sortByLengthDesc(lens);
  }
  const order = sorted ?? lens.map((_, b) => b);
  const batchSizes = batchSizesFromSortedLengths(order.map((b) => lens[b]));
  const rows: number[] = [];
  batchSizes.forEach((bs, t) => {
    for (let j = 0; j < bs; j++) rows.push(batchFirst ? order[j] * steps + t : t * batch + order[j]);
  });
  const rest = input.shape.slice(2);
  const flat = input.reshape([steps * batch, ...rest]);
  const data = flat.indexSelect(0, indexTensor(rows, input.backend));
  return new PackedSequence(data, batchSizes, sorted);
}

/** Options of {@link padPackedSequence}. */
export interface PadPackedOptions {
  /** Return `[B, T, *]` instead of `[T, B, *]` (default `false`). */
  batchFirst?: boolean;
  /** Value of the padding positions (default 0). */
  paddingValue?: number;
  /** Pad to this many steps (at least the longest length) instead of the longest length. */
  totalLength?: number;
}

/**
 * The inverse of {@link packPaddedSequence}: returns the padded batch `[T, B, *]` (or `[B, T, *]`) in
 * the original batch order and the lengths (as a plain array), like PyTorch's `pad_packed_sequence`.
 */
export function padPackedSequence(
  sequence: PackedSequence,
  options: PadPackedOptions = {},
): [Tensor, number[]] {
  const op = 'padPackedSequence';
  const { data, batchSizes } = sequence;
  const lengths = sequence.lengths;
  const longest = batchSizes.length;
  const steps = options.totalLength ?? longest;
  if (!Number.isInteger(steps) || steps < longest) {
    throw new ValueError(
      `${op}: totalLength must be an integer of at least the longest length ${longest}, got ${options.totalLength}`,
    );
  }
  const batch = batchSizes[0];
  const offsets = stepOffsets(batchSizes);
  const n = data.shape[0];
  const unsorted = sequence.unsortedIndices;
  const rows: number[] = [];
  const batchFirst = options.batchFirst ?? false;
  const at = (t: number, b: number) => (t < lengths[b] ? offsets[t] + (unsorted ? unsorted[b] : b) : n);
  if (batchFirst) {
    for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) rows.push(at(t, b));
  } else {
    for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) rows.push(at(t, b));
  }
  const rest = data.shape.slice(1);
  const pad = full([1, ...rest], options.paddingValue ?? 0, { dtype: data.dtype, backend: data.backend });
  const padded = cat([data, pad], 0).indexSelect(0, indexTensor(rows, data.backend));
  return [padded.reshape(batchFirst ? [batch, steps, ...rest] : [steps, batch, ...rest]), lengths];
}

/** Options of {@link padSequence}. */
export interface PadSequenceOptions {
  /** Return `[B, T, *]` instead of `[T, B, *]` (default `false`). */
  batchFirst?: boolean;
  /** Value of the padding positions (default 0). */
  paddingValue?: number;
  /** Pad after each sequence (`'right'`, the default) or before it (`'left'`). */
  paddingSide?: 'right' | 'left';
}

/**
 * Stacks sequences `[L_i, *]` (same trailing shape, any lengths) into one padded tensor `[T, B, *]`
 * (or `[B, T, *]`), `T = max L_i`, like PyTorch's `pad_sequence`.
 */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  const op = 'padSequence';
  const lens = checkSequences(op, sequences, true);
  const steps = Math.max(...lens);
  const batch = sequences.length;
  const left = (options.paddingSide ?? 'right') === 'left';
  if (
    options.paddingSide !== undefined &&
    options.paddingSide !== 'left' &&
    options.paddingSide !== 'right'
  ) {
    throw new ValueError(
      `${op}: paddingSide must be 'right' or 'left', got ${JSON.stringify(options.paddingSide)}`,
    );
  }
  const starts = stepOffsets(lens);
  const first = sequences[0];
  const rest = first.shape.slice(1);
  const total = lens.reduce((a, b) => a + b, 0);
  const at = (t: number, b: number) => {
    const k = left ? t - (steps - lens[b]) : t;
    return k >= 0 && k < lens[b] ? starts[b] + k : total;
  };
  const rows: number[] = [];
  if (options.batchFirst) {
    for (let b = 0; b < batch; b++) for (let t = 0; t < steps; t++) rows.push(at(t, b));
  } else {
    for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) rows.push(at(t, b));
  }
  const pad = full([1, ...rest], options.paddingValue ?? 0, { dtype: first.dtype, backend: first.backend });
  const padded = cat([...sequences.filter((s) => s.shape[0] > 0), pad], 0).indexSelect(
    0,
    indexTensor(rows, first.backend),
  );
  return padded.reshape(options.batchFirst ? [batch, steps, ...rest] : [steps, batch, ...rest]);
}

/**
 * Packs sequences `[L_i, *]` given in any order (each at least one step long), like PyTorch's
 * `pack_sequence` (sorting them unless `enforceSorted`).
 */
export function packSequence(
  sequences: readonly Tensor[],
  options: { enforceSorted?: boolean } = {},
): PackedSequence {
  const op = 'packSequence';
  const lens = checkSequences(op, sequences, false);
  lens.forEach((l, b) => {
    if (l === 0) {
      throw new ValueError(
        `${op}: sequence ${b} is empty; every sequence needs at least one step (drop empty ones first)`,
      );
    }
  });
  let sorted: number[] | null = null;
  if (options.enforceSorted) {
    for (let b = 1; b < lens.length; b++) {
      if (lens[b] > lens[b - 1]) {
        throw new ValueError(
          `${op}: with enforceSorted: true the sequences must be sorted by decreasing length, got lengths [${lens.join(', ')}]`,
        );
      }
    }
  } else {
    sorted = sortByLengthDesc(lens);
  }
  const order = sorted ?? lens.map((_, b) => b);
  const starts = stepOffsets(lens);
  const batchSizes = batchSizesFromSortedLengths(order.map((b) => lens[b]));
  const rows: number[] = [];
  batchSizes.forEach((bs, t) => {
    for (let j = 0; j < bs; j++) rows.push(starts[order[j]] + t);
  });
  const data = cat(sequences, 0).indexSelect(0, indexTensor(rows, sequences[0].backend));
  return new PackedSequence(data, batchSizes, sorted);
}

/**
 * Splits a padded batch `[T, B, *]` (or `[B, T, *]`) back into its sequences `[L_b, *]`, like
 * PyTorch's `unpad_sequence`.
 */
export function unpadSequence(
  padded: Tensor,
  lengths: Lengths,
  options: { batchFirst?: boolean } = {},
): Tensor[] {
  const op = 'unpadSequence';
  const batchFirst = options.batchFirst ?? false;
  if (padded.ndim < 2) {
    throw new ShapeError(`${op}: padded must be at least 2-D, got [${padded.shape.join(', ')}]`);
  }
  const steps = padded.shape[batchFirst ? 1 : 0];
  const batch = padded.shape[batchFirst ? 0 : 1];
  const lens = readLengths(op, lengths, batch, steps);
  return lens.map((l, b) => padded.select(batchFirst ? 0 : 1, b).narrow(0, 0, l));
}

/** Splits a packed batch back into its sequences `[L_b, *]`, in the original order (PyTorch's `unpack_sequence`). */
export function unpackSequence(sequence: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(sequence);
  return unpadSequence(padded, lengths);
}

// ------------------------------------------------------------------ helpers

/** @internal Reads and validates lengths: one per sequence, integers in [1, maxSteps]. */
export function readLengths(op: string, lengths: Lengths, batch: number, maxSteps: number): number[] {
  let values: number[];
  if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) {
    values = Array.from(lengths as ArrayLike<number>);
  } else {
    const t = lengths as Tensor;
    if (t.isTensor !== true) throw new ValueError(`${op}: lengths must be an array or a 1-D tensor`);
    if (t.ndim !== 1)
      throw new ShapeError(`${op}: lengths must be 1-D, got a tensor of shape [${t.shape.join(', ')}]`);
    if (!t.backend.readSync) {
      throw new ValueError(
        `${op}: the lengths tensor is on backend "${t.backend.name}", which reads asynchronously; ` +
          'pass the lengths as a plain array (or `await lengths.data()` first)',
      );
    }
    values = Array.from(t.dataSync());
  }
  if (values.length !== batch) {
    throw new ShapeError(
      `${op}: got ${values.length} lengths for a batch of ${batch} sequences; give one length per sequence`,
    );
  }
  values.forEach((l, b) => {
    if (!Number.isInteger(l)) throw new ValueError(`${op}: length ${l} of sequence ${b} is not an integer`);
    if (l <= 0) {
      throw new ValueError(
        `${op}: length ${l} of sequence ${b} is not positive; every sequence needs at least one step (drop empty ones first)`,
      );
    }
    if (l > maxSteps) {
      throw new ValueError(
        `${op}: length ${l} of sequence ${b} is longer than the input's ${maxSteps} time steps`,
      );
    }
  });
  return values;
}

function checkSequences(op: string, sequences: readonly Tensor[], allowEmpty: boolean): number[] {
  if (!sequences || sequences.length === 0) {
    throw new ValueError(`${op}: expected a non-empty array of tensors [L_i, *]`);
  }
  const first = sequences[0];
  sequences.forEach((s, b) => {
    if (s.ndim < 1) throw new ShapeError(`${op}: sequence ${b} must be at least 1-D [L, *], got a scalar`);
    const tail = s.shape.slice(1);
    const want = first.shape.slice(1);
    if (tail.length !== want.length || tail.some((d, i) => d !== want[i])) {
      throw new ShapeError(
        `${op}: sequence ${b} has shape [${s.shape.join(', ')}] but sequence 0 has [${first.shape.join(', ')}]; ` +
          'all dimensions after the first must match',
      );
    }
  });
  const lens = sequences.map((s) => s.shape[0]);
  if (!allowEmpty && lens.some((l) => l === 0)) return lens;
  if (Math.max(...lens) === 0) throw new ValueError(`${op}: every sequence is empty`);
  return lens;
}

/** @internal Indices that sort `lengths` in decreasing order (stable). */
export function sortByLengthDesc(lengths: readonly number[]): number[] {
  return lengths.map((_, b) => b).sort((a, b) => lengths[b] - lengths[a] || a - b);
}

/** @internal Batch sizes of sequences with non-increasing `lengths`. */
export function batchSizesFromSortedLengths(lengths: readonly number[]): number[] {
  const sizes: number[] = [];
  for (let t = 0; t < lengths[0]; t++) {
    let n = 0;
    while (n < lengths.length && lengths[n] > t) n++;
    sizes.push(n);
  }
  return sizes;
}

/** @internal Lengths at each sorted position, from batch sizes. */
export function lengthsFromBatchSizes(batchSizes: readonly number[]): number[] {
  const lens = new Array<number>(batchSizes[0]).fill(0);
  for (const bs of batchSizes) for (let j = 0; j < bs; j++) lens[j]++;
  return lens;
}

/** @internal `inverse[p[i]] = i`. */
export function invertPermutation(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => {
    inv[v] = i;
  });
  return inv;
}

/** @internal An int32 index tensor on `backend`. */
export function indexTensor(values: readonly number[], backend: Backend): Tensor {
  return tensor(Int32Array.from(values), { dtype: 'int32', backend });
}

function stepOffsets(sizes: readonly number[]): number[] {
  const out = new Array<number>(sizes.length);
  let o = 0;
  sizes.forEach((s, i) => {
    out[i] = o;
    o += s;
  });
  return out;
}

function checkBatchSizes(op: string, batchSizes: readonly number[], data: Tensor): void {
  if (!Array.isArray(batchSizes) || batchSizes.length === 0) {
    throw new ValueError(`${op}: batchSizes must be a non-empty array of positive integers`);
  }
  let total = 0;
  batchSizes.forEach((b, t) => {
    if (!Number.isInteger(b) || b <= 0 || (t > 0 && b > batchSizes[t - 1])) {
      throw new ValueError(
        `${op}: batchSizes must be positive integers that never increase, got [${batchSizes.join(', ')}]`,
      );
    }
    total += b;
  });
  if (data.ndim < 1 || data.shape[0] !== total) {
    throw new ShapeError(
      `${op}: data must have sum(batchSizes) = ${total} rows, got shape [${data.shape.join(', ')}]`,
    );
  }
}

function checkPermutation(op: string, name: string, p: readonly number[], n: number): void {
  const seen = new Set(p);
  if (p.length !== n || seen.size !== n || p.some((v) => !Number.isInteger(v) || v < 0 || v >= n)) {
    throw new ValueError(`${op}: ${name} must be a permutation of 0..${n - 1}, got [${p.join(', ')}]`);
  }
}
