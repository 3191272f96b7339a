import {
  type FusedKernel,
  packedStepOffsets,
  type RnnLayerAttrs,
  type RnnLayerParts,
  rnnGateCount,
  type TensorSpec,
  unpackRnnLayerInputs,
} from '@rnn/tensor/backend';
import type { BindingKind, GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { fill } from './elementwise';
import { copyWords } from './layout';
import { matmulInto } from './matmul';
import { reduce } from './reduce';
import { declare, grid, MATH, main1d, wgslType } from './wgsl';

/**
 * The `rnnLayer` fused op on WebGPU (one direction of an LSTM / GRU / Elman layer over a packed
 * batch; see `ops/rnn-layer.ts` in `@rnn/tensor` and the CPU kernel it mirrors).
 *
 * Forward: `x W_ihᵀ` for every step in one matmul, then per step one `h W_hhᵀ` matmul on the first
 * `batchSizes[t]` rows of the state and one pointwise gate dispatch (plus the projection matmul and a
 * state copy for a projected LSTM). Backward runs the steps in the other order, each one gate
 * dispatch and one matmul back through `W_hh`, and ends with one matmul per weight gradient. All of it
 * is recorded into the command stream without a read-back.
 */

/** A binding of a generated kernel: name, access, element type. */
type Binding = readonly [name: string, kind: BindingKind, type: string];

interface Layout extends RnnLayerParts<TensorSpec> {
  n: number;
  inSize: number;
  gh: number;
  hidden: number;
  hOut: number;
  batch: number;
  offsets: number[];
}

/** The layer's buffers and sizes (inputs named by the op's own `unpackRnnLayerInputs`). */
function layout(inputs: readonly TensorSpec[], a: RnnLayerAttrs): Layout {
  const parts = unpackRnnLayerInputs(inputs, a);
  const { x, wIh, wHh } = parts;
  return {
    ...parts,
    n: x.shape[0],
    inSize: x.shape[1],
    gh: wIh.shape[0],
    hidden: wIh.shape[0] / rnnGateCount(a.mode),
    hOut: wHh.shape[1],
    batch: a.batchSizes[0],
    offsets: packedStepOffsets(a.batchSizes),
  };
}

/** Time steps in processing order. */
function order(steps: number, reverse: boolean): number[] {
  return Array.from({ length: steps }, (_, s) => (reverse ? steps - 1 - s : s));
}

/**
 * Per packed row, the row whose state it starts from, or `-(j + 1)` for row `j` of the initial
 * state: forward, the same batch row one step earlier; reverse, one step later if that sequence was
 * still running then.
 */
function previousRows(L: Layout, a: RnnLayerAttrs): Int32Array {
  const prev = new Int32Array(L.n);
  const steps = a.batchSizes.length;
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < a.batchSizes[t]; j++) {
      let p: number;
      if (!a.reverse) p = t === 0 ? -1 : L.offsets[t - 1] + j;
      else p = t === steps - 1 || j >= a.batchSizes[t + 1] ? -1 : L.offsets[t + 1] + j;
      prev[L.offsets[t] + j] = p < 0 ? -(j + 1) : p;
    }
  }
  return prev;
}

/** `pre` of gate `q` (0-based): `(x W_ih + b_ih) + (h W_hh + b_hh)`, the composite's order of sums. */
function pre(q: number, bias: boolean): string {
  const at = q === 0 ? 'k' : `${q}u * H + k`;
  return bias
    ? `((xw[gx + ${at}] + bih[${at}]) + (hh[gj + ${at}] + bhh[${at}]))`
    : `(xw[gx + ${at}] + hh[gj + ${at}])`;
}

function forwardSource(
  mode: RnnLayerAttrs['mode'],
  bias: boolean,
  proj: boolean,
): { code: string; bindings: BindingKind[] } {
  const b: Binding[] = [
    ['xw', 'read', 'f32'],
    ['hh', 'read', 'f32'],
  ];
  if (bias) b.push(['bih', 'read', 'f32'], ['bhh', 'read', 'f32']);
  // At most 8 storage buffers (WebGPU's default per-stage limit): a projected LSTM writes hraw only.
  if (!proj) b.push(['h', 'write', 'f32'], ['y', 'write', 'f32']);
  if (mode === 'lstm') b.push(['c', 'write', 'f32']);
  if (mode === 'lstm' || mode === 'gru') b.push(['ws', 'write', 'f32']);
  if (proj) b.push(['hraw', 'write', 'f32']);
  const store = proj ? '  hraw[j * H + k] = hn;' : '  h[j * H + k] = hn;\n  y[row * H + k] = hn;';
  let body: string;
  if (mode === 'lstm') {
    body = `  let ig = sigmoid_(${pre(0, bias)});
  let fg = sigmoid_(${pre(1, bias)});
  let gg = tanh_(${pre(2, bias)});
  let og = sigmoid_(${pre(3, bias)});
  let cn = fg * c[j * H + k] + ig * gg;
  c[j * H + k] = cn;
  let hn = og * tanh_(cn);
  let w = row * 5u * H + k;
  ws[w] = ig;
  ws[w + H] = fg;
  ws[w + 2u * H] = gg;
  ws[w + 3u * H] = og;
  ws[w + 4u * H] = cn;
${store}`;
  } else if (mode === 'gru') {
    const ghn = bias ? '(hh[gj + 2u * H + k] + bhh[2u * H + k])' : 'hh[gj + 2u * H + k]';
    const gxn = bias ? '(xw[gx + 2u * H + k] + bih[2u * H + k])' : 'xw[gx + 2u * H + k]';
    body = `  let ghn = ${ghn};
  let r = sigmoid_(${pre(0, bias)});
  let z = sigmoid_(${pre(1, bias)});
  let cand = tanh_(${gxn} + r * ghn);
  let hn = cand + z * (h[j * H + k] - cand);
  let w = row * 4u * H + k;
  ws[w] = r;
  ws[w + H] = z;
  ws[w + 2u * H] = cand;
  ws[w + 3u * H] = ghn;
${store}`;
  } else {
    const act = mode === 'rnn_tanh' ? 'tanh_(v)' : 'select(v, 0.0, v < 0.0)';
    body = `  let v = ${pre(0, bias)};
  let hn = ${act};
${store}`;
  }
  return {
    code: `${MATH}
${declare(b)}${main1d(`  let H = p(1u);
  let j = i / H;
  let k = i % H;
  let row = p(2u) + j;
  let gh = p(3u);
  let gx = row * gh;
  let gj = j * gh;
${body}`)}`,
    bindings: b.map(([, kind]) => kind),
  };
}

function backwardSource(
  mode: RnnLayerAttrs['mode'],
  proj: boolean,
): { code: string; bindings: BindingKind[] } {
  const lstm = mode === 'lstm';
  const gru = mode === 'gru';
  const b: Binding[] = [];
  // dh is read by the LSTM / RNN kernels and updated in place by the GRU kernel (its direct path).
  if (proj) b.push(['dhr', 'read', 'f32']);
  else b.push(['gy', 'read', 'f32']);
  if (lstm) b.push(['ws', 'read', 'f32'], ['prev', 'read', 'i32'], ['c0', 'read', 'f32']);
  if (gru) b.push(['ws', 'read', 'f32'], ['hprev', 'read', 'f32']);
  if (!lstm && !gru) b.push(['y', 'read', 'f32']);
  b.push(['dh', gru ? 'write' : 'read', 'f32'], ['dgi', 'write', 'f32']);
  if (gru) b.push(['dgh', 'write', 'f32']);
  if (lstm) b.push(['dc', 'write', 'f32']);
  if (lstm && proj) b.push(['hraw', 'write', 'f32']);
  // The state's gradient at this step: the carried dh plus the output's gradient (a flag says
  // whether y had one); with a projection it was formed, and taken through W_hr, before this kernel.
  const dhk = proj
    ? '  let dhk = dhr[j * H + k];'
    : '  var dhk = dh[j * H + k];\n  if (p(4u) != 0u) { dhk = dhk + gy[row * H + k]; }';
  let body: string;
  if (lstm) {
    body = `${dhk}
  let w = row * 5u * H + k;
  let ig = ws[w];
  let fg = ws[w + H];
  let gg = ws[w + 2u * H];
  let og = ws[w + 3u * H];
  let cn = ws[w + 4u * H];
  let pr = prev[row];
  var cold: f32;
  if (pr < 0) { cold = c0[u32(-pr - 1) * H + k]; } else { cold = ws[u32(pr) * 5u * H + 4u * H + k]; }
  let tc = tanh_(cn);
  let dct = dc[j * H + k] + dhk * og * (1.0 - tc * tc);
  let g0 = row * 4u * H + k;
  dgi[g0] = dct * gg * ig * (1.0 - ig);
  dgi[g0 + H] = dct * cold * fg * (1.0 - fg);
  dgi[g0 + 2u * H] = dct * ig * (1.0 - gg * gg);
  dgi[g0 + 3u * H] = dhk * tc * og * (1.0 - og);
  dc[j * H + k] = dct * fg;${proj ? '\n  hraw[row * H + k] = og * tc;' : ''}`;
  } else if (gru) {
    body = `${dhk}
  let w = row * 4u * H + k;
  let r = ws[w];
  let z = ws[w + H];
  let cand = ws[w + 2u * H];
  let ghn = ws[w + 3u * H];
  let dn = dhk * (1.0 - z) * (1.0 - cand * cand);
  let dz = dhk * (hprev[row * H + k] - cand) * z * (1.0 - z);
  let dr = dn * ghn * r * (1.0 - r);
  let g0 = row * 3u * H + k;
  dgi[g0] = dr;
  dgi[g0 + H] = dz;
  dgi[g0 + 2u * H] = dn;
  dgh[g0] = dr;
  dgh[g0 + H] = dz;
  dgh[g0 + 2u * H] = dn * r;
  dh[j * H + k] = dhk * z;`;
  } else {
    const d = mode === 'rnn_tanh' ? '1.0 - v * v' : 'select(0.0, 1.0, v > 0.0)';
    body = `${dhk}
  let v = y[row * H + k];
  dgi[row * H + k] = dhk * (${d});`;
  }
  return {
    code: `${MATH}
${declare(b)}${main1d(`  let H = p(1u);
  let j = i / H;
  let k = i % H;
  let row = p(2u) + j;
${body}`)}`,
    bindings: b.map(([, kind]) => kind),
  };
}

export function rnnLayer(ctx: GPUContext): FusedKernel<RnnLayerAttrs> {
  // Bound where an optional read-only input is missing (a flag in the parameters says so).
  let placeholder: GPUBuffer | null = null;
  const missing = () => (placeholder ??= ctx.acquire(4));

  return {
    forward(inputs, attrs) {
      const a = attrs;
      wgslType(inputs[0].dtype);
      const L = layout(inputs, a);
      const { n, gh, hidden: H, hOut, batch } = L;
      const lstm = a.mode === 'lstm';
      const gru = a.mode === 'gru';
      const xw = output(ctx, n * gh);
      matmulInto(ctx, { buffer: bufferOf(L.x) }, { buffer: bufferOf(L.wIh) }, xw, {
        m: n,
        n: gh,
        k: L.inSize,
        transA: false,
        transB: true,
      });
      const h = output(ctx, batch * hOut);
      copyWords(ctx, bufferOf(L.h0), 0, h.buffer, 0, batch * hOut);
      const c = lstm ? output(ctx, batch * H) : null;
      if (c) copyWords(ctx, bufferOf(L.c0!), 0, c.buffer, 0, batch * H);
      const y = output(ctx, n * hOut);
      const ws = lstm || gru ? output(ctx, n * (lstm ? 5 : 4) * H) : null;
      const hh = ctx.acquire(batch * gh * 4);
      const hRaw = L.wHr ? ctx.acquire(batch * H * 4) : null;
      const key = `rnnLayer:${a.mode}:${a.hasBias ? 'b' : '-'}:${L.wHr ? 'p' : '-'}`;
      const src = () => forwardSource(a.mode, a.hasBias, !!L.wHr);

      for (const t of order(a.batchSizes.length, a.reverse)) {
        const bs = a.batchSizes[t];
        const off = L.offsets[t];
        matmulInto(
          ctx,
          h,
          { buffer: bufferOf(L.wHh) },
          { buffer: hh },
          {
            m: bs,
            n: gh,
            k: hOut,
            transA: false,
            transB: true,
          },
        );
        const bufs = [xw.buffer, hh];
        if (L.bIh && L.bHh) bufs.push(bufferOf(L.bIh), bufferOf(L.bHh));
        if (!hRaw) bufs.push(h.buffer, y.buffer);
        if (c) bufs.push(c.buffer);
        if (ws) bufs.push(ws.buffer);
        if (hRaw) bufs.push(hRaw);
        ctx.dispatch(key, src, bufs, new Params('rnnLayer').u(bs * H, H, off, gh).words, grid(bs * H));
        if (hRaw && L.wHr) {
          matmulInto(
            ctx,
            { buffer: hRaw },
            { buffer: bufferOf(L.wHr) },
            { buffer: y.buffer, offset: off * hOut },
            {
              m: bs,
              n: hOut,
              k: H,
              transA: false,
              transB: true,
            },
          );
          copyWords(ctx, y.buffer, off * hOut, h.buffer, 0, bs * hOut);
        }
      }
      ctx.release(xw.buffer);
      ctx.release(hh);
      if (hRaw) ctx.release(hRaw);
      const out = [y, h];
      if (c) out.push(c);
      if (ws) out.push(ws);
      return out;
    },

    backward(inputs, outputs, grads, attrs) {
      const a = attrs;
      const L = layout(inputs, a);
      const { n, gh, hidden: H, hOut, batch } = L;
      const lstm = a.mode === 'lstm';
      const gru = a.mode === 'gru';
      const proj = !!L.wHr;
      const y = bufferOf(outputs[0]);
      const ws = lstm || gru ? bufferOf(outputs[lstm ? 3 : 2]) : null;
      const gY = grads[0] ? bufferOf(grads[0]) : null;

      // The running gradients of the state (and cell), from the final states' gradients or zeros.
      const startFrom = (g: TensorSpec | null, size: number): GPUStorage => {
        if (!g) return fill(ctx, [size], 'float32', 0);
        const s = output(ctx, size);
        copyWords(ctx, bufferOf(g), 0, s.buffer, 0, size);
        return s;
      };
      const dh = startFrom(grads[1], batch * hOut);
      const dc = lstm ? startFrom(grads[2], batch * H) : null;

      // The state each packed row started from (for dW_hh, and the GRU's direct path).
      const prevRows = previousRows(L, a);
      const prev = ctx.acquire(n * 4, true);
      ctx.write(prev, prevRows);
      const hPrev = output(ctx, n * hOut);
      ctx.dispatch(
        'rnnLayer:previous',
        () => ({
          code: `${declare([
            ['prev', 'read', 'i32'],
            ['y', 'read', 'f32'],
            ['h0', 'read', 'f32'],
            ['dst', 'write', 'f32'],
          ])}${main1d(`  let w = p(1u);
  let pr = prev[i / w];
  if (pr < 0) { dst[i] = h0[u32(-pr - 1) * w + i % w]; } else { dst[i] = y[u32(pr) * w + i % w]; }`)}`,
          bindings: ['read', 'read', 'read', 'write'],
        }),
        [prev, y, bufferOf(L.h0), hPrev.buffer],
        new Params('rnnLayer:previous').u(n * hOut, hOut).words,
        grid(n * hOut),
      );

      const dGi = output(ctx, n * gh);
      const dGh = gru ? output(ctx, n * gh) : dGi;
      const dhOut = proj ? output(ctx, n * hOut) : null;
      const hRaw = proj && lstm ? output(ctx, n * H) : null;
      const dhr = proj ? ctx.acquire(batch * H * 4) : null;
      const key = `rnnLayerBackward:${a.mode}:${proj ? 'p' : '-'}`;
      const src = () => backwardSource(a.mode, proj);

      for (const t of order(a.batchSizes.length, a.reverse).reverse()) {
        const bs = a.batchSizes[t];
        const off = L.offsets[t];
        if (dhOut && dhr && L.wHr) {
          // dh + dy for the projected output, kept per row for dW_hr, then taken back through W_hr.
          ctx.dispatch(
            'rnnLayer:addOutputGrad',
            () => ({
              code: `${declare([
                ['dh', 'read', 'f32'],
                ['gy', 'read', 'f32'],
                ['dst', 'write', 'f32'],
              ])}${main1d(`  let at = p(1u) + i;
  var v = dh[i];
  if (p(2u) != 0u) { v = v + gy[at]; }
  dst[at] = v;`)}`,
              bindings: ['read', 'read', 'write'],
            }),
            [dh.buffer, gY ?? missing(), dhOut.buffer],
            new Params('rnnLayer:addOutputGrad').u(bs * hOut, off * hOut, gY ? 1 : 0).words,
            grid(bs * hOut),
          );
          matmulInto(
            ctx,
            { buffer: dhOut.buffer, offset: off * hOut },
            { buffer: bufferOf(L.wHr) },
            { buffer: dhr },
            {
              m: bs,
              n: H,
              k: hOut,
              transA: false,
              transB: false,
            },
          );
        }
        const bufs: GPUBuffer[] = [dhr ?? gY ?? missing()];
        if (lstm) bufs.push(ws!, prev, bufferOf(L.c0!));
        if (gru) bufs.push(ws!, hPrev.buffer);
        if (!lstm && !gru) bufs.push(y);
        bufs.push(dh.buffer, dGi.buffer);
        if (gru) bufs.push(dGh.buffer);
        if (dc) bufs.push(dc.buffer);
        if (hRaw) bufs.push(hRaw.buffer);
        ctx.dispatch(
          key,
          src,
          bufs,
          new Params('rnnLayerBackward').u(bs * H, H, off, gh, gY ? 1 : 0).words,
          grid(bs * H),
        );
        // dh = dG_h W_hh for the rows of this step (GRU: added to its direct path).
        matmulInto(ctx, { buffer: dGh.buffer, offset: off * gh }, { buffer: bufferOf(L.wHh) }, dh, {
          m: bs,
          n: hOut,
          k: gh,
          transA: false,
          transB: false,
          accumulate: gru,
        });
      }

      const dx = output(ctx, n * L.inSize);
      matmulInto(ctx, dGi, { buffer: bufferOf(L.wIh) }, dx, {
        m: n,
        n: L.inSize,
        k: gh,
        transA: false,
        transB: false,
      });
      const dWih = output(ctx, gh * L.inSize);
      matmulInto(ctx, dGi, { buffer: bufferOf(L.x) }, dWih, {
        m: gh,
        n: L.inSize,
        k: n,
        transA: true,
        transB: false,
      });
      const dWhh = output(ctx, gh * hOut);
      matmulInto(ctx, dGh, hPrev, dWhh, { m: gh, n: hOut, k: n, transA: true, transB: false });
      const out: (GPUStorage | null)[] = [dx, dh];
      if (lstm) out.push(dc);
      out.push(dWih, dWhh);
      if (a.hasBias) {
        const sum = (g: GPUStorage) =>
          reduce(ctx, 'sum', { storage: g, shape: [n, gh], dtype: 'float32' }, [0]);
        out.push(sum(dGi), sum(dGh));
      }
      if (dhOut && hRaw) {
        const dWhr = output(ctx, hOut * H);
        matmulInto(ctx, dhOut, hRaw, dWhr, { m: hOut, n: H, k: n, transA: true, transB: false });
        out.push(dWhr);
      }
      for (const b of [prev, hPrev.buffer, dGi.buffer, dhOut?.buffer, hRaw?.buffer, dhr])
        if (b) ctx.release(b);
      if (gru) ctx.release(dGh.buffer);
      return out;
    },
  };
}
