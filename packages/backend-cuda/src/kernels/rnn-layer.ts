import {
  type DType,
  type FusedKernel,
  packedStepOffsets,
  type RnnLayerAttrs,
  rnnGateCount,
  type Storage,
  type TensorSpec,
  unpackRnnLayerInputs,
} from '@rnn/tensor/backend';
import type { Block } from '../device/allocator';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { columnSums } from './reduce';
import { ELEMENT_BYTES, FLOAT_DTYPES, perDtype, pick } from './spec';

const M = 'rnn';
const BIAS_ROWS = perDtype(M, 'rnn_bias_rows', FLOAT_DTYPES, ['ptr', 'ptr', 'ptr', 'i32', 'i32']);
const PREV_ROWS = perDtype(M, 'rnn_prev_rows', FLOAT_DTYPES, ['ptr', 'ptr', 'ptr', 'ptr', 'i32', 'i32']);
const ADD = perDtype(M, 'rnn_add', FLOAT_DTYPES, ['ptr', 'ptr', 'ptr', 'i32']);
const LSTM_FORWARD = perDtype(M, 'lstm_step_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);
const LSTM_BACKWARD = perDtype(M, 'lstm_step_backward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'i32',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);
const GRU_FORWARD = perDtype(M, 'gru_step_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);
const GRU_BACKWARD = perDtype(M, 'gru_step_backward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);
const ELMAN_FORWARD = perDtype(M, 'elman_step_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'i32',
]);
const ELMAN_BACKWARD = perDtype(M, 'elman_step_backward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'i32',
]);

/** The layer's operands and sizes. */
function layout(inputs: readonly TensorSpec[], a: RnnLayerAttrs) {
  const parts = unpackRnnLayerInputs(inputs, a);
  const [n, inSize] = parts.x.shape;
  const gh = parts.wIh.shape[0];
  const dtype = parts.x.dtype;
  return {
    ...parts,
    n,
    inSize,
    gh,
    H: gh / rnnGateCount(a.mode),
    hOut: parts.wHh.shape[1],
    batch: a.batchSizes[0] ?? 0,
    steps: a.batchSizes.length,
    offsets: packedStepOffsets(a.batchSizes),
    dtype,
    e: ELEMENT_BYTES[dtype],
    lstm: a.mode === 'lstm',
    gru: a.mode === 'gru',
  };
}

/** Processing order of the time steps. */
function order(steps: number, reverse: boolean): number[] {
  return Array.from({ length: steps }, (_, s) => (reverse ? steps - 1 - s : s));
}

/** `C[m, n] = op(A)·op(B) (+ C)`, row-major, one matrix. */
function mm(
  ctx: CudaContext,
  dtype: DType,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  accumulate = false,
): void {
  ctx.gemm({
    dtype,
    transA,
    transB,
    m,
    n,
    k,
    alpha: 1,
    a,
    lda,
    strideA: 0,
    b,
    ldb,
    strideB: 0,
    beta: accumulate ? 1 : 0,
    c,
    ldc,
    strideC: 0,
    batch: 1,
  });
}

/**
 * Per packed row, the row its state came from (a row of the previous step in processing order), or
 * `-1 - j` for row j of the initial state: forward, the same batch row one step earlier; reverse, one
 * step later if that sequence was still running. Shared with the tests.
 */
export function previousRows(batchSizes: readonly number[], reverse: boolean): Int32Array {
  const offsets = packedStepOffsets(batchSizes);
  const steps = batchSizes.length;
  const n = steps === 0 ? 0 : offsets[steps - 1] + batchSizes[steps - 1];
  const prev = new Int32Array(n);
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < batchSizes[t]; j++) {
      let p: number;
      if (!reverse) p = t === 0 ? -1 : offsets[t - 1] + j;
      else p = t === steps - 1 || j >= batchSizes[t + 1] ? -1 : offsets[t + 1] + j;
      prev[offsets[t] + j] = p < 0 ? -1 - j : p;
    }
  }
  return prev;
}

/**
 * One direction of an LSTM / GRU / Elman layer over a packed sequence, with the time loop on the
 * GPU's stream: `x·W_ihᵀ` (plus biases) for all steps in one GEMM, then per step one GEMM `h·W_hhᵀ`
 * and one gate kernel (a projected LSTM adds its projection GEMM and a copy). Nothing is read back:
 * the host only queues work. Backward runs the steps in the other order (one gate kernel and one GEMM
 * back through `W_hh` each), then one GEMM per weight gradient and column sums for the biases.
 */
export function rnnLayer(ctx: CudaContext): FusedKernel<RnnLayerAttrs> {
  return {
    forward(inputs, a) {
      const L = layout(inputs, a);
      const { n, gh, H, hOut, dtype, e, lstm, gru } = L;
      const temps: Block[] = [];
      const temp = (elements: number) => {
        const b = ctx.alloc(Math.max(1, elements) * e);
        temps.push(b);
        return b.ptr;
      };
      const xw = temp(n * gh);
      if (L.bIh && L.bHh) {
        // GRU keeps b_hn inside r·(W_hn h + b_hn): only the other modes fold b_hh into the rows
        ctx.run(pick(BIAS_ROWS, dtype, 'rnnLayer'), n * gh, [
          xw,
          ptrOf(L.bIh),
          gru ? 0 : ptrOf(L.bHh),
          n,
          gh,
        ]);
      }
      mm(
        ctx,
        dtype,
        false,
        true,
        n,
        gh,
        L.inSize,
        ptrOf(L.x),
        L.inSize,
        ptrOf(L.wIh),
        L.inSize,
        xw,
        gh,
        !!L.bIh,
      );
      const h = alloc(ctx, dtype, L.batch * hOut, 'rnnLayer');
      ctx.copy(h.ptr, ptrOf(L.h0), L.batch * hOut * e);
      const c = lstm ? alloc(ctx, dtype, L.batch * H, 'rnnLayer') : null;
      if (c) ctx.copy(c.ptr, ptrOf(L.c0!), L.batch * H * e);
      const y = alloc(ctx, dtype, n * hOut, 'rnnLayer');
      const wsWidth = lstm ? 5 * H : gru ? 4 * H : 0;
      const ws = wsWidth ? alloc(ctx, dtype, n * wsWidth, 'rnnLayer') : null;
      const hh = temp(L.batch * gh);
      const hRaw = L.wHr ? temp(L.batch * H) : 0;
      for (const t of order(L.steps, a.reverse)) {
        const bs = a.batchSizes[t];
        const off = L.offsets[t];
        mm(ctx, dtype, false, true, bs, gh, hOut, h.ptr, hOut, ptrOf(L.wHh), hOut, hh, gh);
        const xwT = xw + off * gh * e;
        const yT = y.ptr + off * hOut * e;
        if (lstm) {
          ctx.run(pick(LSTM_FORWARD, dtype, 'rnnLayer'), bs * H, [
            xwT,
            hh,
            c!.ptr,
            ws!.ptr + off * wsWidth * e,
            hRaw || h.ptr,
            hRaw ? 0 : yT,
            bs,
            H,
          ]);
          if (hRaw) {
            mm(ctx, dtype, false, true, bs, hOut, H, hRaw, H, ptrOf(L.wHr!), H, h.ptr, hOut);
            ctx.copy(yT, h.ptr, bs * hOut * e);
          }
        } else if (gru) {
          ctx.run(pick(GRU_FORWARD, dtype, 'rnnLayer'), bs * H, [
            xwT,
            hh,
            L.bHh ? ptrOf(L.bHh) : 0,
            h.ptr,
            ws!.ptr + off * wsWidth * e,
            yT,
            bs,
            H,
          ]);
        } else {
          ctx.run(pick(ELMAN_FORWARD, dtype, 'rnnLayer'), bs * H, [
            xwT,
            hh,
            h.ptr,
            yT,
            bs,
            H,
            a.mode === 'rnn_relu' ? 1 : 0,
          ]);
        }
      }
      for (const b of temps) ctx.freeBlock(b);
      const out: Storage[] = [y, h];
      if (c) out.push(c);
      if (ws) out.push(ws);
      return out;
    },

    backward(inputs, outputs, grads, a) {
      const L = layout(inputs, a);
      const { n, gh, H, hOut, dtype, e, lstm, gru, batch } = L;
      const temps: Block[] = [];
      const temp = (bytes: number) => {
        const b = ctx.alloc(Math.max(1, bytes));
        temps.push(b);
        return b.ptr;
      };
      const y = ptrOf(outputs[0]);
      const ws = lstm || gru ? ptrOf(outputs[lstm ? 3 : 2]) : 0;
      const wsWidth = lstm ? 5 * H : 4 * H;
      const gY = grads[0] ? ptrOf(grads[0]) : 0;
      const dh = alloc(ctx, dtype, batch * hOut, 'rnnLayer');
      if (grads[1]) ctx.copy(dh.ptr, ptrOf(grads[1]), batch * hOut * e);
      else ctx.memset8(dh.ptr, 0, batch * hOut * e);
      const dc: CudaStorage | null = lstm ? alloc(ctx, dtype, batch * H, 'rnnLayer') : null;
      if (dc && grads[2]) ctx.copy(dc.ptr, ptrOf(grads[2]), batch * H * e);
      else if (dc) ctx.memset8(dc.ptr, 0, batch * H * e);

      const prevHost = previousRows(a.batchSizes, a.reverse);
      const prev = temp(n * 4);
      ctx.upload(prev, prevHost);
      const hPrev = temp(n * hOut * e);
      ctx.run(pick(PREV_ROWS, dtype, 'rnnLayer'), n * hOut, [hPrev, y, ptrOf(L.h0), prev, n, hOut]);
      const dGi = temp(n * gh * e);
      const dGh = gru ? temp(n * gh * e) : dGi;
      const dhOut = L.wHr ? temp(n * hOut * e) : 0;
      const hRaw = L.wHr ? temp(n * H * e) : 0;
      const dht = temp(batch * hOut * e);
      const dhr = L.wHr ? temp(batch * H * e) : 0;

      for (const t of order(L.steps, a.reverse).reverse()) {
        const bs = a.batchSizes[t];
        const off = L.offsets[t];
        ctx.run(pick(ADD, dtype, 'rnnLayer'), bs * hOut, [
          dht,
          dh.ptr,
          gY ? gY + off * hOut * e : 0,
          bs * hOut,
        ]);
        let dIn = dht;
        if (L.wHr) {
          ctx.copy(dhOut + off * hOut * e, dht, bs * hOut * e);
          mm(ctx, dtype, false, false, bs, H, hOut, dht, hOut, ptrOf(L.wHr), H, dhr, H);
          dIn = dhr;
        }
        const dGiT = dGi + off * gh * e;
        if (lstm) {
          ctx.run(pick(LSTM_BACKWARD, dtype, 'rnnLayer'), bs * H, [
            dGiT,
            ws,
            off,
            prev + off * 4,
            ptrOf(L.c0!),
            dIn,
            dc!.ptr,
            hRaw ? hRaw + off * H * e : 0,
            bs,
            H,
          ]);
        } else if (gru) {
          ctx.run(pick(GRU_BACKWARD, dtype, 'rnnLayer'), bs * H, [
            dGiT,
            dGh + off * gh * e,
            ws + off * wsWidth * e,
            dht,
            hPrev + off * hOut * e,
            dh.ptr,
            bs,
            H,
          ]);
        } else {
          ctx.run(pick(ELMAN_BACKWARD, dtype, 'rnnLayer'), bs * H, [
            dGiT,
            y + off * hOut * e,
            dht,
            bs,
            H,
            a.mode === 'rnn_relu' ? 1 : 0,
          ]);
        }
        // the state gradient through W_hh (added to the GRU's direct path, which its kernel wrote)
        mm(
          ctx,
          dtype,
          false,
          false,
          bs,
          hOut,
          gh,
          dGh + off * gh * e,
          gh,
          ptrOf(L.wHh),
          hOut,
          dh.ptr,
          hOut,
          gru,
        );
      }

      const dx = alloc(ctx, dtype, n * L.inSize, 'rnnLayer');
      mm(ctx, dtype, false, false, n, L.inSize, gh, dGi, gh, ptrOf(L.wIh), L.inSize, dx.ptr, L.inSize);
      const dWih = alloc(ctx, dtype, gh * L.inSize, 'rnnLayer');
      mm(ctx, dtype, true, false, gh, L.inSize, n, dGi, gh, ptrOf(L.x), L.inSize, dWih.ptr, L.inSize);
      const dWhh = alloc(ctx, dtype, gh * hOut, 'rnnLayer');
      mm(ctx, dtype, true, false, gh, hOut, n, dGh, gh, hPrev, hOut, dWhh.ptr, hOut);
      const out: (Storage | null)[] = [dx, dh];
      if (dc) out.push(dc);
      out.push(dWih, dWhh);
      if (a.hasBias) out.push(columnSums(ctx, dtype, dGi, n, gh), columnSums(ctx, dtype, dGh, n, gh));
      if (L.wHr) {
        const dWhr = alloc(ctx, dtype, hOut * H, 'rnnLayer');
        mm(ctx, dtype, true, false, hOut, H, n, dhOut, hOut, hRaw, H, dWhr.ptr, H);
        out.push(dWhr);
      }
      for (const b of temps) ctx.freeBlock(b);
      return out;
    },
  };
}
