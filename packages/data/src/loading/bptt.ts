import { type Tensor, tensor, ValueError } from '@rnn/tensor';

/** Options of {@link batchify}. */
export interface BatchifyOptions {
  /** Return `[batch, n]` instead of the default time-major `[n, batch]`. */
  batchFirst?: boolean;
}

/**
 * Arranges a token-id stream into `batchSize` parallel streams, as the PyTorch language-model
 * example does: the stream is cut into `batchSize` contiguous pieces of `n = floor(len / batchSize)`
 * tokens (the remainder is dropped) and piece `b` becomes column `b` of an int32 `[n, batchSize]`
 * tensor (or row `b` of `[batchSize, n]` with `batchFirst`).
 */
export function batchify(ids: ArrayLike<number>, batchSize: number, options: BatchifyOptions = {}): Tensor {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`batchify: batchSize must be a positive integer, got ${batchSize}`);
  }
  const n = Math.floor(ids.length / batchSize);
  if (n < 1) {
    throw new ValueError(`batchify: ${ids.length} tokens do not fill one step of ${batchSize} streams`);
  }
  const out = new Int32Array(n * batchSize);
  if (options.batchFirst) {
    for (let b = 0; b < batchSize; b++) for (let t = 0; t < n; t++) out[b * n + t] = ids[b * n + t];
    return tensor(out, { dtype: 'int32', shape: [batchSize, n] });
  }
  for (let t = 0; t < n; t++) for (let b = 0; b < batchSize; b++) out[t * batchSize + b] = ids[b * n + t];
  return tensor(out, { dtype: 'int32', shape: [n, batchSize] });
}

/** One truncated-BPTT window. */
export interface BpttWindow {
  /** Tokens `[start, start + length)` of every stream: `[length, batch]` (or `[batch, length]`). */
  input: Tensor;
  /** The next tokens, `[start + 1, start + 1 + length)`: same shape as `input`. */
  target: Tensor;
  /** First step of the window. */
  start: number;
  /** Steps in the window (`seqLen`, or fewer for the last one). */
  length: number;
}

/** Options of {@link bpttWindows}. */
export interface BpttOptions {
  /** The source is `[batch, n]` (from `batchify(…, { batchFirst: true })`). */
  batchFirst?: boolean;
}

/** Number of windows {@link bpttWindows} yields for `steps` time steps. */
export function bpttWindowCount(steps: number, seqLen: number): number {
  return steps < 2 ? 0 : Math.ceil((steps - 1) / seqLen);
}

/**
 * Iterates over the windows of truncated back-propagation through time, as `get_batch` in the
 * PyTorch example: window `i` starts at `i * seqLen` and has `min(seqLen, n - 1 - start)` steps;
 * the target is the input shifted by one step (`target.reshape([-1])` gives the example's flat
 * target). Each window's tensors are new: dispose them or run the step in a `tidy` / `scope`.
 */
export function* bpttWindows(
  source: Tensor,
  seqLen: number,
  options: BpttOptions = {},
): Generator<BpttWindow> {
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new ValueError(`bpttWindows: seqLen must be a positive integer, got ${seqLen}`);
  }
  if (source.ndim !== 2) {
    throw new ValueError(
      `bpttWindows: expected a 2-D source from batchify, got shape [${source.shape.join(', ')}]`,
    );
  }
  const dim = options.batchFirst ? 1 : 0;
  const steps = source.shape[dim];
  for (let start = 0; start < steps - 1; start += seqLen) {
    const length = Math.min(seqLen, steps - 1 - start);
    yield {
      input: source.narrow(dim, start, length),
      target: source.narrow(dim, start + 1, length),
      start,
      length,
    };
  }
}
