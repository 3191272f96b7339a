import type { FusedKernel, TensorSpec } from '../../backend/backend';
import {
  packedStepOffsets,
  type RnnLayerAttrs,
  rnnGateCount,
  unpackRnnLayerInputs,
} from '../../backend/fused/rnn-layer';
import type { DType, TypedArray } from '../../dtype';
import { getCpuAccelerator } from '../accelerator';
import { allocArray, allocUninit, recycle } from '../pool';
import { sigmoid } from './elementwise';
import { strided } from './layout';
import { gemm, matmul } from './matmul';
import { reduce } from './reduce';

type Attrs = RnnLayerAttrs;

const data = (t: TensorSpec) => t.storage as TypedArray;

/** The layer's arrays and sizes (inputs named by the op's own `unpackRnnLayerInputs`). */
function layout(inputs: readonly TensorSpec[], a: Attrs) {
  const parts = unpackRnnLayerInputs(inputs, a);
  const { x, wIh, wHh } = parts;
  const [n, inSize] = x.shape;
  const gh = wIh.shape[0];
  return {
    ...parts,
    n,
    inSize,
    gh,
    hidden: gh / rnnGateCount(a.mode),
    hOut: wHh.shape[1],
    batch: a.batchSizes[0],
    steps: a.batchSizes.length,
    offsets: packedStepOffsets(a.batchSizes),
    dtype: x.dtype,
  };
}

/** `a [rows, k] · bᵀ` for `b [cols, k]`, through the blocked matmul kernel. */
function mulT(a: TypedArray, rows: number, k: number, b: TypedArray, cols: number, dtype: DType): TypedArray {
  return matmul(a, [1, rows, k], b, [1, cols, k], false, true, dtype);
}

/** `a [rows, k] · b [k, cols]`. */
function mul(a: TypedArray, rows: number, k: number, b: TypedArray, cols: number, dtype: DType): TypedArray {
  return matmul(a, [1, rows, k], b, [1, k, cols], false, false, dtype);
}

/** `aᵀ · b` for `a [rows, m]` and `b [rows, cols]`: a weight gradient summed over all packed rows. */
function tMul(a: TypedArray, rows: number, m: number, b: TypedArray, cols: number, dtype: DType): TypedArray {
  return matmul(a, [1, rows, m], b, [1, rows, cols], true, false, dtype);
}

/** `aᵀ` of `a [rows, cols]`: the layout kernel's tiled (or native) transposed copy. */
function transpose(a: TypedArray, rows: number, cols: number): TypedArray {
  return strided(a, [cols, rows], [1, cols], 0);
}

/** Processing order of the time steps. */
function order(steps: number, reverse: boolean): number[] {
  return Array.from({ length: steps }, (_, s) => (reverse ? steps - 1 - s : s));
}

/**
 * Packed row whose state a row of step `t` starts from, or -1 for the initial state. Forward: the
 * same batch row one step earlier; reverse: one step later, if that sequence was still running.
 */
function prevRow(L: ReturnType<typeof layout>, a: Attrs, t: number, j: number): number {
  if (!a.reverse) return t === 0 ? -1 : L.offsets[t - 1] + j;
  return t === L.steps - 1 || j >= a.batchSizes[t + 1] ? -1 : L.offsets[t + 1] + j;
}

/**
 * One direction of an LSTM / GRU / Elman layer over packed batch sizes (see `ops/rnn-layer.ts`).
 * Forward: `x W_ihᵀ` for all steps in one matmul, then per step one `h W_hhᵀ` matmul and a single
 * pass over the gates. The hidden state lives in one `[B, Hout]` array: a sequence that has ended
 * (forward) keeps its final state in its row, one that has not started (reverse) keeps its `h0`.
 * Backward runs the steps in the other order and finishes with one matmul per weight gradient.
 */
export const rnnLayer: FusedKernel<Attrs> = {
  forward(inputs, attrs) {
    const a = attrs;
    const L = layout(inputs, a);
    const { n, gh, hidden: H, hOut, dtype } = L;
    const lstm = a.mode === 'lstm';
    const gru = a.mode === 'gru';
    const bIh = L.bIh ? data(L.bIh) : null;
    const bHh = L.bHh ? data(L.bHh) : null;
    let xw: TypedArray;
    if (bIh && bHh) {
      // GRU keeps b_hn inside r·(W_hn h + b_hn); the other biases fold into x W_ihᵀ: every row
      // starts as the bias, and the product is accumulated onto it (beta = 1).
      const bias = allocArray(dtype, gh);
      for (let k = 0; k < gh; k++) bias[k] = bIh[k] + (gru ? 0 : bHh[k]);
      xw = allocUninit(dtype, n * gh);
      for (let r = 0; r < n; r++) xw.set(bias, r * gh);
      gemm(
        false,
        true,
        n,
        gh,
        L.inSize,
        data(L.x),
        0,
        L.inSize,
        data(L.wIh),
        0,
        L.inSize,
        1,
        xw,
        0,
        gh,
        dtype,
      );
    } else {
      xw = mulT(data(L.x), n, L.inSize, data(L.wIh), gh, dtype);
    }
    const wHhT = transpose(data(L.wHh), gh, hOut);
    const wHrT = L.wHr ? transpose(data(L.wHr), hOut, H) : null;
    // Arrays every element of which is written before it is read come unzeroed from the pool:
    // zero-filling them cost ~8 % of a BiLSTM classifier's step (workload B).
    const h = allocUninit(dtype, L.batch * hOut);
    h.set(data(L.h0));
    const c = lstm ? allocUninit(dtype, L.batch * H) : null;
    if (c) c.set(data(L.c0!));
    const y = allocUninit(dtype, n * hOut);
    const wsWidth = lstm ? 5 * H : gru ? 4 * H : 0;
    const ws = wsWidth > 0 ? allocUninit(dtype, n * wsWidth) : null;
    const hRaw = wHrT ? allocUninit(dtype, L.batch * H) : null;
    // The native gate pass (when plugged in) covers float32 LSTM layers without projection.
    const acc = dtype === 'float32' && lstm && !hRaw ? getCpuAccelerator() : null;
    const nativeStep = acc?.lstmStep?.bind(acc) ?? null;

    for (const t of order(L.steps, a.reverse)) {
      const bs = a.batchSizes[t];
      const off = L.offsets[t];
      const hh = mul(h.subarray(0, bs * hOut), bs, hOut, wHhT, gh, dtype);
      if (nativeStep) {
        nativeStep(
          bs,
          H,
          xw as Float32Array,
          off * gh,
          hh as Float32Array,
          0,
          c as Float32Array,
          0,
          ws as Float32Array,
          off * wsWidth,
          h as Float32Array,
          0,
          y as Float32Array,
          off * hOut,
        );
        recycle(hh);
        continue;
      }
      for (let j = 0; j < bs; j++) {
        const gx = (off + j) * gh;
        const gj = j * gh;
        const w = (off + j) * wsWidth;
        if (lstm) {
          for (let k = 0; k < H; k++) {
            const i = sigmoid(xw[gx + k] + hh[gj + k]);
            const f = sigmoid(xw[gx + H + k] + hh[gj + H + k]);
            const g = Math.tanh(xw[gx + 2 * H + k] + hh[gj + 2 * H + k]);
            const o = sigmoid(xw[gx + 3 * H + k] + hh[gj + 3 * H + k]);
            const cNew = f * c![j * H + k] + i * g;
            c![j * H + k] = cNew;
            const hNew = o * Math.tanh(cNew);
            ws![w + k] = i;
            ws![w + H + k] = f;
            ws![w + 2 * H + k] = g;
            ws![w + 3 * H + k] = o;
            ws![w + 4 * H + k] = cNew;
            if (hRaw) hRaw[j * H + k] = hNew;
            else {
              h[j * H + k] = hNew;
              y[(off + j) * H + k] = hNew;
            }
          }
        } else if (gru) {
          for (let k = 0; k < H; k++) {
            const ghn = hh[gj + 2 * H + k] + (bHh ? bHh[2 * H + k] : 0);
            const r = sigmoid(xw[gx + k] + hh[gj + k] + (bHh ? bHh[k] : 0));
            const z = sigmoid(xw[gx + H + k] + hh[gj + H + k] + (bHh ? bHh[H + k] : 0));
            const cand = Math.tanh(xw[gx + 2 * H + k] + r * ghn);
            const hNew = cand + z * (h[j * H + k] - cand);
            ws![w + k] = r;
            ws![w + H + k] = z;
            ws![w + 2 * H + k] = cand;
            ws![w + 3 * H + k] = ghn;
            h[j * H + k] = hNew;
            y[(off + j) * H + k] = hNew;
          }
        } else {
          const relu = a.mode === 'rnn_relu';
          for (let k = 0; k < H; k++) {
            const pre = xw[gx + k] + hh[gj + k];
            const hNew = relu ? (pre > 0 ? pre : 0) : Math.tanh(pre);
            h[j * H + k] = hNew;
            y[(off + j) * H + k] = hNew;
          }
        }
      }
      recycle(hh);
      if (hRaw && wHrT) {
        const hp = mul(hRaw.subarray(0, bs * H), bs, H, wHrT, hOut, dtype);
        h.set(hp, 0);
        y.set(hp, off * hOut);
        recycle(hp);
      }
    }
    // the kernel's own temporaries go back to the pool (the outputs belong to the caller)
    recycle(xw);
    recycle(wHhT);
    recycle(wHrT);
    recycle(hRaw);
    const out: TypedArray[] = [y, h];
    if (c) out.push(c);
    if (ws) out.push(ws);
    return out;
  },

  backward(inputs, outputs, grads, attrs) {
    const a = attrs;
    const L = layout(inputs, a);
    const { n, gh, hidden: H, hOut, dtype, batch } = L;
    const lstm = a.mode === 'lstm';
    const gru = a.mode === 'gru';
    const y = data(outputs[0]);
    const ws = lstm || gru ? data(outputs[lstm ? 3 : 2]) : null;
    const wsWidth = lstm ? 5 * H : gru ? 4 * H : 0;
    const gY = grads[0] ? data(grads[0]) : null;
    const dh = allocArray(dtype, batch * hOut);
    if (grads[1]) dh.set(data(grads[1]));
    const dc = lstm ? allocArray(dtype, batch * H) : null;
    if (dc && grads[2]) dc.set(data(grads[2]));
    const h0 = data(L.h0);
    const c0 = L.c0 ? data(L.c0) : null;
    const wHh = data(L.wHh);
    const wHr = L.wHr ? data(L.wHr) : null;

    // Per packed row: the state it started from (for dW_hh), and the gate gradients.
    const hPrev = allocUninit(dtype, n * hOut);
    for (let t = 0; t < L.steps; t++) {
      for (let j = 0; j < a.batchSizes[t]; j++) {
        const p = prevRow(L, a, t, j);
        const src = p < 0 ? h0.subarray(j * hOut, (j + 1) * hOut) : y.subarray(p * hOut, (p + 1) * hOut);
        hPrev.set(src, (L.offsets[t] + j) * hOut);
      }
    }
    // written in full before they are read: unzeroed (dh and dc start as zeros or the given grads)
    const dGi = allocUninit(dtype, n * gh);
    const dGh = gru ? allocUninit(dtype, n * gh) : dGi;
    const dhOut = wHr ? allocUninit(dtype, n * hOut) : null;
    const hRaw = wHr ? allocUninit(dtype, n * H) : null;
    const dht = allocUninit(dtype, batch * hOut);
    const acc = dtype === 'float32' && lstm && !wHr ? getCpuAccelerator() : null;
    const nativeBack = acc?.lstmBackwardStep?.bind(acc) ?? null;

    for (const t of order(L.steps, a.reverse).reverse()) {
      const bs = a.batchSizes[t];
      const off = L.offsets[t];
      for (let q = 0; q < bs * hOut; q++) dht[q] = dh[q] + (gY ? gY[off * hOut + q] : 0);
      let dhr: TypedArray = dht;
      if (wHr && dhOut) {
        dhOut.set(dht.subarray(0, bs * hOut), off * hOut);
        dhr = mul(dht.subarray(0, bs * hOut), bs, hOut, wHr, H, dtype);
      }
      if (nativeBack) {
        // rows j < prevRows started from row j of the neighbouring step, the others from c0
        const prevT = a.reverse ? t + 1 : t - 1;
        const hasPrev = prevT >= 0 && prevT < L.steps;
        const prevRows = hasPrev ? Math.min(bs, a.batchSizes[prevT]) : 0;
        const prevOff = hasPrev ? L.offsets[prevT] * wsWidth : 0;
        nativeBack(
          bs,
          H,
          ws as Float32Array,
          off * wsWidth,
          ws as Float32Array,
          prevOff,
          prevRows,
          c0 as Float32Array,
          dhr as Float32Array,
          0,
          dc as Float32Array,
          dGi as Float32Array,
          off * gh,
        );
      }
      for (let j = 0; j < (nativeBack ? 0 : bs); j++) {
        const row = off + j;
        const g0 = row * gh;
        const w = row * wsWidth;
        if (lstm) {
          const p = prevRow(L, a, t, j);
          for (let k = 0; k < H; k++) {
            const i = ws![w + k];
            const f = ws![w + H + k];
            const g = ws![w + 2 * H + k];
            const o = ws![w + 3 * H + k];
            const cNew = ws![w + 4 * H + k];
            const cOld = p < 0 ? c0![j * H + k] : ws![p * wsWidth + 4 * H + k];
            const tc = Math.tanh(cNew);
            const dhk = dhr[j * H + k];
            const dct = dc![j * H + k] + dhk * o * (1 - tc * tc);
            dGi[g0 + k] = dct * g * i * (1 - i);
            dGi[g0 + H + k] = dct * cOld * f * (1 - f);
            dGi[g0 + 2 * H + k] = dct * i * (1 - g * g);
            dGi[g0 + 3 * H + k] = dhk * tc * o * (1 - o);
            dc![j * H + k] = dct * f;
            if (hRaw) hRaw[row * H + k] = o * tc;
          }
        } else if (gru) {
          for (let k = 0; k < H; k++) {
            const r = ws![w + k];
            const z = ws![w + H + k];
            const cand = ws![w + 2 * H + k];
            const ghn = ws![w + 3 * H + k];
            const dhk = dht[j * H + k];
            const dnPre = dhk * (1 - z) * (1 - cand * cand);
            const dzPre = dhk * (hPrev[row * H + k] - cand) * z * (1 - z);
            const drPre = dnPre * ghn * r * (1 - r);
            dGi[g0 + k] = drPre;
            dGi[g0 + H + k] = dzPre;
            dGi[g0 + 2 * H + k] = dnPre;
            dGh[g0 + k] = drPre;
            dGh[g0 + H + k] = dzPre;
            dGh[g0 + 2 * H + k] = dnPre * r;
            dh[j * H + k] = dhk * z; // the direct path h → h'; the matmul path is added below
          }
        } else {
          const relu = a.mode === 'rnn_relu';
          for (let k = 0; k < H; k++) {
            const v = y[row * H + k];
            dGi[g0 + k] = dht[j * H + k] * (relu ? (v > 0 ? 1 : 0) : 1 - v * v);
          }
        }
      }
      const back = mul(dGh.subarray(off * gh, (off + bs) * gh), bs, gh, wHh, hOut, dtype);
      if (gru) for (let q = 0; q < bs * hOut; q++) dh[q] += back[q];
      else dh.set(back, 0);
      recycle(back);
      if (dhr !== dht) recycle(dhr);
    }

    const x = data(L.x);
    const dx = mul(dGi, n, gh, data(L.wIh), L.inSize, dtype);
    const dWih = tMul(dGi, n, gh, x, L.inSize, dtype);
    const dWhh = tMul(dGh, n, gh, hPrev, hOut, dtype);
    const out: (TypedArray | null)[] = [dx, dh];
    if (lstm) out.push(dc);
    out.push(dWih, dWhh);
    if (a.hasBias) {
      // LSTM and Elman layers: both biases see the same gate gradients, so one sum serves both
      const dbIh = reduce('sum', dGi, [n, gh], dtype, [0]);
      out.push(dbIh, dGh === dGi ? dbIh.slice() : reduce('sum', dGh, [n, gh], dtype, [0]));
    }
    if (wHr && dhOut && hRaw) out.push(tMul(dhOut, n, hOut, hRaw, H, dtype));
    recycle(hPrev);
    recycle(dGi);
    if (dGh !== dGi) recycle(dGh);
    recycle(dhOut);
    recycle(hRaw);
    recycle(dht);
    return out;
  },
};
