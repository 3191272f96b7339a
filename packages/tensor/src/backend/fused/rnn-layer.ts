/**
 * The `rnnLayer` fused op as backend authors see it: its modes, attributes, the order of its inputs
 * and outputs, and the packed-sequence step helpers every implementation (the composite, the CPU and
 * WebGPU kernels) shares.
 */

/**
 * The recurrence of a layer, with PyTorch's gate order and formulas:
 * - `'lstm'`: gates i, f, g, o; `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')` (then `h' W_hrᵀ` with a projection);
 * - `'gru'`: gates r, z, n (reset after the hidden matmul): `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`,
 *   `h' = (1 − z)·n + z·h`;
 * - `'rnn_tanh'` / `'rnn_relu'`: `h' = act(W_ih x + b_ih + W_hh h + b_hh)`.
 */
export type RnnMode = 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';

/**
 * Attributes of the `rnnLayer` fused op. Its inputs are, in order: `x, h0, [c0 if lstm], wIh, wHh,
 * [bIh, bHh if hasBias], [wHr if hasProj]`. Its outputs: `y, hN, [cN if lstm], [workspace if lstm
 * or gru]`. The workspace (per packed row: `i, f, g, o, c'` for LSTM, `r, z, n, W_hn h + b_hn` for
 * GRU) is what a kernel's stateless backward needs; the front-end `rnnLayer` op does not return it.
 */
export interface RnnLayerAttrs {
  mode: RnnMode;
  batchSizes: readonly number[];
  reverse: boolean;
  hasBias: boolean;
  hasProj: boolean;
}

/** Gates per hidden unit of each mode. */
export function rnnGateCount(mode: RnnMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

/** Columns of the workspace output per hidden unit (0: no workspace). */
export function rnnWorkspaceWidth(mode: RnnMode): number {
  return mode === 'lstm' ? 5 : mode === 'gru' ? 4 : 0;
}

/** The `rnnLayer` op's inputs by name, of any element type (tensors, or a backend's `TensorSpec`s). */
export interface RnnLayerParts<T> {
  x: T;
  h0: T;
  c0?: T;
  wIh: T;
  wHh: T;
  bIh?: T;
  bHh?: T;
  wHr?: T;
}

/**
 * Names the `rnnLayer` op's inputs from their order (see {@link RnnLayerAttrs}). The order is part of
 * the op's contract: the composite and every backend's kernel read it through this one function.
 */
export function unpackRnnLayerInputs<T>(inputs: readonly T[], a: RnnLayerAttrs): RnnLayerParts<T> {
  let k = 0;
  const x = inputs[k++];
  const h0 = inputs[k++];
  const c0 = a.mode === 'lstm' ? inputs[k++] : undefined;
  const wIh = inputs[k++];
  const wHh = inputs[k++];
  const bIh = a.hasBias ? inputs[k++] : undefined;
  const bHh = a.hasBias ? inputs[k++] : undefined;
  const wHr = a.hasProj ? inputs[k++] : undefined;
  return { x, h0, c0, wIh, wHh, bIh, bHh, wHr };
}

/** The first packed row of each time step: running sums of `batchSizes`. */
export function packedStepOffsets(batchSizes: readonly number[]): number[] {
  const offsets = new Array<number>(batchSizes.length);
  for (let t = 0, o = 0; t < batchSizes.length; o += batchSizes[t], t++) offsets[t] = o;
  return offsets;
}
