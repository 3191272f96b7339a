import {
  packedStepOffsets,
  type RnnLayerAttrs,
  type RnnLayerParts,
  type RnnMode,
  rnnGateCount,
  rnnWorkspaceWidth,
  unpackRnnLayerInputs,
} from '../backend/fused/rnn-layer';
import type { DType } from '../dtype';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import type { Shape } from '../shape';
import { releaseInternal, type Tensor } from '../tensor';
import { add, mul, relu, sigmoid, sub, tanh } from './elementwise';
import { type FusedOp, runFused } from './fused';
import { matmul } from './matmul';
import { cat, narrow, transpose2d } from './shape';

export type { RnnLayerAttrs, RnnLayerParts, RnnMode };
export { packedStepOffsets, rnnGateCount, unpackRnnLayerInputs };

/** The tensors of one direction of one recurrent layer (see {@link rnnLayer}). */
export interface RnnLayerInputs {
  /** Packed input `[sum(batchSizes), inputSize]`: time step 0's rows first, then step 1's, … */
  x: Tensor;
  /** Initial hidden state `[B, Hout]` (`B = batchSizes[0]`, `Hout` = projection size or hidden size). */
  h0: Tensor;
  /** Initial cell state `[B, H]` (LSTM only). */
  c0?: Tensor;
  /** `[G·H, inputSize]` with G = 4 (LSTM), 3 (GRU) or 1. */
  wIh: Tensor;
  /** `[G·H, Hout]`. */
  wHh: Tensor;
  /** `[G·H]`; give both biases or neither. */
  bIh?: Tensor;
  /** `[G·H]`. */
  bHh?: Tensor;
  /** LSTM projection `[P, H]` (PyTorch's `weight_hr`), making `Hout = P`. */
  wHr?: Tensor;
}

/** How {@link rnnLayer} runs. */
export interface RnnLayerOptions {
  mode: RnnMode;
  /**
   * Rows of `x` per time step, non-increasing (sequences sorted by decreasing length), as in a
   * `PackedSequence`. `batchSizes[0]` is the batch size.
   */
  batchSizes: readonly number[];
  /** Process the sequences from their last element to their first (the backward direction). */
  reverse?: boolean;
}

/** The outputs of {@link rnnLayer}. */
export interface RnnLayerResult {
  /** Hidden states `[sum(batchSizes), Hout]`, packed like `x`. */
  y: Tensor;
  /**
   * Each sequence's state `[B, Hout]` after its true last step (its first element in reverse), in the
   * (sorted) batch order of `x`.
   */
  hN: Tensor;
  /** The final cell states `[B, H]` (LSTM only). */
  cN?: Tensor;
}

/**
 * One direction of one recurrent layer over a packed batch, as a fused op: CPU (and any backend that
 * registers `rnnLayer`) runs the whole time loop and its backward in one kernel; the composite loops
 * over the time steps with ordinary ops, so every backend has it, with autograd.
 */
export const rnnLayerOp: FusedOp = {
  name: 'rnnLayer',
  composite(inputs, attrs) {
    const a = attrs as unknown as RnnLayerAttrs;
    const { x, h0, c0, wIh, wHh, bIh, bHh, wHr } = unpackRnnLayerInputs(inputs, a);
    const steps = a.batchSizes.length;
    const offsets = stepOffsets(a.batchSizes);
    let xw = matmul(x, transpose2d(wIh));
    if (bIh) xw = add(xw, bIh);
    const wHhT = transpose2d(wHh);
    const wHrT = wHr ? transpose2d(wHr) : undefined;
    const ys: Tensor[] = new Array(steps);
    const wss: Tensor[] = new Array(steps);

    const step = (t: number, h: Tensor, c: Tensor | undefined): [Tensor, Tensor | undefined] => {
      const gx = narrow(xw, 0, offsets[t], a.batchSizes[t]);
      let gh = matmul(h, wHhT);
      if (bHh) gh = add(gh, bHh);
      let hNext: Tensor;
      let cNext: Tensor | undefined;
      if (a.mode === 'lstm') {
        const gates = add(gx, gh);
        const n = gates.shape[1] / 4;
        const i = sigmoid(narrow(gates, 1, 0, n));
        const f = sigmoid(narrow(gates, 1, n, n));
        const g = tanh(narrow(gates, 1, 2 * n, n));
        const o = sigmoid(narrow(gates, 1, 3 * n, n));
        cNext = add(mul(f, c!), mul(i, g));
        hNext = mul(o, tanh(cNext));
        wss[t] = cat([i, f, g, o, cNext], 1);
        if (wHrT) hNext = matmul(hNext, wHrT);
      } else if (a.mode === 'gru') {
        const n = gx.shape[1] / 3;
        const r = sigmoid(add(narrow(gx, 1, 0, n), narrow(gh, 1, 0, n)));
        const z = sigmoid(add(narrow(gx, 1, n, n), narrow(gh, 1, n, n)));
        const ghn = narrow(gh, 1, 2 * n, n);
        const cand = tanh(add(narrow(gx, 1, 2 * n, n), mul(r, ghn)));
        hNext = add(cand, mul(z, sub(h, cand)));
        wss[t] = cat([r, z, cand, ghn], 1);
      } else {
        const pre = add(gx, gh);
        hNext = a.mode === 'rnn_tanh' ? tanh(pre) : relu(pre);
      }
      ys[t] = hNext;
      return [hNext, cNext];
    };

    let hN: Tensor;
    let cN: Tensor | undefined;
    if (!a.reverse) {
      // Sequences leave the batch as they end: their rows (the last ones) hold their final state.
      let h = h0;
      let c = c0;
      const doneH: Tensor[] = [];
      const doneC: Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        const bs = a.batchSizes[t];
        if (bs < h.shape[0]) {
          doneH.push(narrow(h, 0, bs, h.shape[0] - bs));
          h = narrow(h, 0, 0, bs);
          if (c) {
            doneC.push(narrow(c, 0, bs, c.shape[0] - bs));
            c = narrow(c, 0, 0, bs);
          }
        }
        [h, c] = step(t, h, c);
      }
      hN = cat([h, ...doneH.reverse()], 0);
      cN = c ? cat([c, ...doneC.reverse()], 0) : undefined;
    } else {
      // From the last step back: sequences join the batch (from their initial state) where they end.
      let h: Tensor | undefined;
      let c: Tensor | undefined;
      for (let t = steps - 1; t >= 0; t--) {
        const bs = a.batchSizes[t];
        const have = h ? h.shape[0] : 0;
        if (bs > have) {
          const hNew = narrow(h0, 0, have, bs - have);
          h = h ? cat([h, hNew], 0) : hNew;
          if (c0) {
            const cNew = narrow(c0, 0, have, bs - have);
            c = c ? cat([c, cNew], 0) : cNew;
          }
        }
        [h, c] = step(t, h!, c);
      }
      hN = h!;
      cN = c;
    }
    const out = [cat(ys, 0), hN];
    if (cN) out.push(cN);
    if (rnnWorkspaceWidth(a.mode) > 0) out.push(cat(wss, 0));
    return out;
  },
  outputs(inputs, attrs) {
    const a = attrs as unknown as RnnLayerAttrs;
    const { x, h0, wHh } = unpackRnnLayerInputs(inputs, a);
    const n = x.shape[0];
    const hidden = wHh.shape[0] / rnnGateCount(a.mode);
    const spec = (shape: Shape) => ({ shape, dtype: x.dtype });
    const out = [spec([n, h0.shape[1]]), spec(h0.shape)];
    if (a.mode === 'lstm') out.push(spec([h0.shape[0], hidden]));
    const w = rnnWorkspaceWidth(a.mode);
    if (w > 0) out.push(spec([n, w * hidden]));
    return out;
  },
};

/** Row offset of each time step in packed data. */
function stepOffsets(batchSizes: readonly number[]): number[] {
  const offsets = new Array<number>(batchSizes.length);
  let o = 0;
  for (let t = 0; t < batchSizes.length; t++) {
    offsets[t] = o;
    o += batchSizes[t];
  }
  return offsets;
}

/**
 * Runs one direction of one recurrent layer (LSTM, GRU or Elman RNN, PyTorch's formulas and gate
 * order) over a packed batch: the building block of `@rnn/nn`'s `LSTM`, `GRU` and `RNN`. Uses the
 * backend's fused `rnnLayer` kernel when it has one (the CPU backend does), else a composite of
 * ordinary ops; both are differentiable with respect to every input.
 *
 * @example
 * ```ts
 * // two sequences of lengths 3 and 1, input size 2, hidden size 4
 * const { y, hN, cN } = rnnLayer(
 *   { x, h0: zeros([2, 4]), c0: zeros([2, 4]), wIh, wHh, bIh, bHh },
 *   { mode: 'lstm', batchSizes: [2, 1, 1] },
 * );
 * ```
 */
export function rnnLayer(inputs: RnnLayerInputs, options: RnnLayerOptions): RnnLayerResult {
  const attrs = checkRnnLayer(inputs, options);
  const { x, h0, c0, wIh, wHh, bIh, bHh, wHr } = inputs;
  const list = [x, h0];
  if (c0) list.push(c0);
  list.push(wIh, wHh);
  if (bIh && bHh) list.push(bIh, bHh);
  if (wHr) list.push(wHr);
  const outs = runFused(rnnLayerOp, list, attrs as unknown as Record<string, unknown>);
  const lstm = options.mode === 'lstm';
  const result: RnnLayerResult = { y: outs[0], hN: outs[1] };
  if (lstm) result.cN = outs[2];
  const ws = outs[lstm ? 3 : 2];
  // The workspace only matters to a recorded backward: the graph owns it, or it goes at once.
  if (ws) releaseInternal(outs[0], [ws]);
  return result;
}

function checkRnnLayer(inputs: RnnLayerInputs, options: RnnLayerOptions): RnnLayerAttrs {
  const { x, h0, c0, wIh, wHh, bIh, bHh, wHr } = inputs;
  const { mode, batchSizes } = options;
  const op = 'rnnLayer';
  if (mode !== 'lstm' && mode !== 'gru' && mode !== 'rnn_tanh' && mode !== 'rnn_relu') {
    throw new ValueError(
      `${op}: mode must be 'lstm', 'gru', 'rnn_tanh' or 'rnn_relu', got ${JSON.stringify(mode)}`,
    );
  }
  if (!Array.isArray(batchSizes) || batchSizes.length === 0) {
    throw new ValueError(`${op}: batchSizes must be a non-empty array of positive integers`);
  }
  let total = 0;
  batchSizes.forEach((b, t) => {
    if (!Number.isInteger(b) || b <= 0 || (t > 0 && b > batchSizes[t - 1])) {
      throw new ValueError(
        `${op}: batchSizes must be positive integers that never increase (sequences sorted by decreasing length), ` +
          `got ${fmtShape(batchSizes)}`,
      );
    }
    total += b;
  });
  const dtype: DType = x.dtype;
  const all: [string, Tensor | undefined][] = [
    ['x', x],
    ['h0', h0],
    ['c0', c0],
    ['wIh', wIh],
    ['wHh', wHh],
    ['bIh', bIh],
    ['bHh', bHh],
    ['wHr', wHr],
  ];
  for (const [name, t] of all) {
    if (t && t.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype} but x is ${dtype}`);
  }
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new DTypeError(`${op}: expected floating-point tensors, got ${dtype}`);
  const g = rnnGateCount(mode);
  const shapeErr = (what: string, expected: string, t: Tensor) =>
    new ShapeError(`${op} (${mode}): ${what} must be ${expected}, got ${fmtShape(t.shape)}`);
  if (x.ndim !== 2 || x.shape[0] !== total) {
    throw shapeErr('x', `[${total}, inputSize] (sum(batchSizes) rows)`, x);
  }
  if (wIh.ndim !== 2 || wIh.shape[1] !== x.shape[1] || wIh.shape[0] % g !== 0) {
    throw shapeErr('wIh', `[${g}·H, ${x.shape[1]}]`, wIh);
  }
  const hidden = wIh.shape[0] / g;
  if (wHr && mode !== 'lstm')
    throw new ValueError(`${op}: a projection (wHr) exists only for 'lstm', not '${mode}'`);
  const hOut = wHr ? wHr.shape[0] : hidden;
  if (wHr && (wHr.ndim !== 2 || wHr.shape[1] !== hidden)) throw shapeErr('wHr', `[P, ${hidden}]`, wHr);
  if (wHh.ndim !== 2 || wHh.shape[0] !== g * hidden || wHh.shape[1] !== hOut) {
    throw shapeErr('wHh', `[${g * hidden}, ${hOut}]`, wHh);
  }
  if (!bIh !== !bHh) throw new ValueError(`${op}: give both biases (bIh and bHh) or neither`);
  for (const [name, b] of [
    ['bIh', bIh],
    ['bHh', bHh],
  ] as const) {
    if (b && (b.ndim !== 1 || b.shape[0] !== g * hidden)) throw shapeErr(name, `[${g * hidden}]`, b);
  }
  const batch = batchSizes[0];
  if (h0.ndim !== 2 || h0.shape[0] !== batch || h0.shape[1] !== hOut)
    throw shapeErr('h0', `[${batch}, ${hOut}]`, h0);
  if (mode === 'lstm') {
    if (!c0) throw new ValueError(`${op}: 'lstm' needs an initial cell state c0`);
    if (c0.ndim !== 2 || c0.shape[0] !== batch || c0.shape[1] !== hidden)
      throw shapeErr('c0', `[${batch}, ${hidden}]`, c0);
  } else if (c0) {
    throw new ValueError(`${op}: only 'lstm' takes a cell state c0, not '${mode}'`);
  }
  return {
    mode,
    batchSizes: [...batchSizes],
    reverse: options.reverse ?? false,
    hasBias: !!bIh,
    hasProj: !!wHr,
  };
}
