import type { FusedKernel, FusedKernels } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf } from '../device/storage';
import { output } from './common';
import { activationGrad } from './elementwise';
import { layerNorm } from './layer-norm';
import { adamUpdate, sgdUpdate } from './optim';
import { rnnLayer } from './rnn-layer';
import { WORKGROUP_ROW } from './softmax';
import { declare, grid, INDEX_FLAG, indexCheck, MATH, main1d, ROW_REDUCE, WG, wgslType } from './wgsl';

// ------------------------------------------------------------------ softmax cross-entropy

/**
 * Per-row log-sum-exp of `[N, C]` logits as the CPU backend's fused kernel computes it (the max skips
 * NaN, a row of -Infinity has lse -Infinity), returned as `(max, log(sum(exp(x - max))))` so callers
 * form `(x - max) - log(sum)` without rounding the sum at the max's magnitude. Workgroup variant: one
 * workgroup per row (long rows).
 */
const LSE_THREAD = /* wgsl */ `
fn row_lse(base: u32, c: u32) -> vec2<f32> {
  var m = -inf_();
  for (var j = 0u; j < c; j++) { let v = xs[base + j]; if (v > m) { m = v; } }
  if (m == -inf_()) { return vec2<f32>(m, 0.0); }
  var s = vec2<f32>(0.0);
  for (var j = 0u; j < c; j++) { s = kahan(s, exp_(xs[base + j] - m)); }
  return vec2<f32>(m, log_(s.x));
}`;

const LSE_GROUP = /* wgsl */ `
fn row_lse(base: u32, c: u32, lid: u32) -> vec2<f32> {
  var lm = -inf_();
  for (var j = lid; j < c; j += ${WG}u) { lm = row_combine(lm, xs[base + j], 2u); }
  let m = row_reduce(lm, lid, 2u);
  var s = vec2<f32>(0.0);
  for (var j = lid; j < c; j += ${WG}u) { s = kahan(s, exp_(xs[base + j] - m)); }
  let total = row_reduce(s.x, lid, 0u);
  return vec2<f32>(m, select(log_(total), 0.0, m == -inf_()));
}`;

function rowKernel(
  ctx: GPUContext,
  name: string,
  rows: number,
  c: number,
  inputs: readonly GPUBuffer[],
  extra: string,
  body: {
    thread: string;
    group: string;
  },
  bindings: readonly (readonly [string, 'read' | 'write', string])[],
): void {
  const decls = declare(bindings);
  const params = new Params(name).u(rows, c).words;
  const kinds = bindings.map(([, k]) => k);
  if (c >= WORKGROUP_ROW) {
    ctx.dispatch(
      `${name}-wg`,
      () => ({
        code: `${MATH}\n${decls}\n${ROW_REDUCE}\n${LSE_GROUP}\n${extra}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg.x + wg.y * nwg.x;
  if (i >= p(0u)) { return; }
  let c = p(1u);
  let base = i * c;
  let lse = row_lse(base, c, lid);
${body.group}
}`,
        bindings: kinds,
      }),
      inputs,
      params,
      grid(rows, 1),
    );
  } else {
    ctx.dispatch(
      name,
      () => ({
        code: `${MATH}\n${decls}\n${LSE_THREAD}\n${extra}${main1d(`  let c = p(1u);
  let base = i * c;
  let lse = row_lse(base, c);
${body.thread}`)}`,
        bindings: kinds,
      }),
      inputs,
      params,
      grid(rows),
    );
  }
}

/**
 * A target outside `[0, C)` is reported through the index-error flag (forward and backward: either
 * may run without the other) and gives a loss of zero and a zero gradient row.
 */
function softmaxCrossEntropy(ctx: GPUContext): FusedKernel {
  const forwardSite = ctx.indexFlag.site('softmaxCrossEntropy', 'target');
  const backwardSite = ctx.indexFlag.site('softmaxCrossEntropy (backward)', 'target');
  return {
    forward([logits, target]) {
      wgslType(logits.dtype);
      const [n, c] = logits.shape;
      const out = output(ctx, n);
      const write = `  let t = ts[i];
  var loss = 0.0;
  if (index_ok(t, c, i)) { loss = lse.y - (xs[base + u32(t)] - lse.x); }
  dst[i] = loss;`;
      rowKernel(
        ctx,
        'softmaxCrossEntropy',
        n,
        c,
        [bufferOf(logits), bufferOf(target), out.buffer, ctx.indexFlag.bind()],
        indexCheck(forwardSite),
        { thread: write, group: `  if (lid == 0u) {\n${write}\n  }` },
        [['xs', 'read', 'f32'], ['ts', 'read', 'i32'], ['dst', 'write', 'f32'], INDEX_FLAG],
      );
      return [out];
    },
    backward([logits, target], _outputs, [g]) {
      const [n, c] = logits.shape;
      const dx = output(ctx, n * c);
      // dx = softmax * g, minus g at the target: computed in one write, so no thread reads another's.
      const loop = (start: string, step: string) => `  let g = gy[i];
  let ok = index_ok(ts[i], c, i);
  let t = u32(ts[i]);
  for (var j = ${start}; j < c; j += ${step}) {
    let v = exp_((xs[base + j] - lse.x) - lse.y) * g;
    dst[base + j] = select(0.0, select(v, v - g, j == t), ok);
  }`;
      rowKernel(
        ctx,
        'softmaxCrossEntropyBackward',
        n,
        c,
        [bufferOf(logits), bufferOf(target), bufferOf(g!), dx.buffer, ctx.indexFlag.bind()],
        indexCheck(backwardSite),
        { thread: loop('0u', '1u'), group: loop('lid', `${WG}u`) },
        [
          ['xs', 'read', 'f32'],
          ['ts', 'read', 'i32'],
          ['gy', 'read', 'f32'],
          ['dst', 'write', 'f32'],
          INDEX_FLAG,
        ],
      );
      return [dx, null];
    },
  };
}

// ------------------------------------------------------------------ LSTM cell

function lstmCell(ctx: GPUContext): FusedKernel {
  // Bound in place of a missing output gradient (its flag in the parameters says to read zeros).
  let placeholder: GPUBuffer | null = null;
  const missing = () => (placeholder ??= ctx.acquire(4));
  return {
    forward([gates, cPrev]) {
      wgslType(gates.dtype);
      const [b, h] = cPrev.shape;
      const n = b * h;
      const hOut = output(ctx, n);
      const cOut = output(ctx, n);
      ctx.dispatch(
        'lstmCell',
        () => ({
          code: `${MATH}
${declare([
  ['z', 'read', 'f32'],
  ['c0', 'read', 'f32'],
  ['h1', 'write', 'f32'],
  ['c1', 'write', 'f32'],
])}${main1d(`  let h = p(1u);
  let zb = (i / h) * 4u * h + i % h;
  let ig = sigmoid_(z[zb]);
  let fg = sigmoid_(z[zb + h]);
  let gg = tanh_(z[zb + 2u * h]);
  let og = sigmoid_(z[zb + 3u * h]);
  let c = fg * c0[i] + ig * gg;
  c1[i] = c;
  h1[i] = og * tanh_(c);`)}`,
          bindings: ['read', 'read', 'write', 'write'],
        }),
        [bufferOf(gates), bufferOf(cPrev), hOut.buffer, cOut.buffer],
        new Params('lstmCell').u(n, h).words,
        grid(n),
      );
      return [hOut, cOut];
    },
    backward([gates, cPrev], [, cNext], [gH, gC]) {
      const [b, h] = cPrev.shape;
      const n = b * h;
      const dz = output(ctx, 4 * n);
      const dc0 = output(ctx, n);
      ctx.dispatch(
        'lstmCellBackward',
        () => ({
          code: `${MATH}
${declare([
  ['z', 'read', 'f32'],
  ['c0', 'read', 'f32'],
  ['c1', 'read', 'f32'],
  ['gh', 'read', 'f32'],
  ['gc', 'read', 'f32'],
  ['dz', 'write', 'f32'],
  ['dc0', 'write', 'f32'],
])}${main1d(`  let h = p(1u);
  let zb = (i / h) * 4u * h + i % h;
  let ig = sigmoid_(z[zb]);
  let fg = sigmoid_(z[zb + h]);
  let gg = tanh_(z[zb + 2u * h]);
  let og = sigmoid_(z[zb + 3u * h]);
  let tc = tanh_(c1[i]);
  var dh = 0.0;
  if (p(2u) != 0u) { dh = gh[i]; }
  var dc = dh * og * (1.0 - tc * tc);
  if (p(3u) != 0u) { dc = gc[i] + dc; }
  dz[zb] = dc * gg * ig * (1.0 - ig);
  dz[zb + h] = dc * c0[i] * fg * (1.0 - fg);
  dz[zb + 2u * h] = dc * ig * (1.0 - gg * gg);
  dz[zb + 3u * h] = dh * tc * og * (1.0 - og);
  dc0[i] = dc * fg;`)}`,
          bindings: ['read', 'read', 'read', 'read', 'read', 'write', 'write'],
        }),
        [
          bufferOf(gates),
          bufferOf(cPrev),
          bufferOf(cNext),
          gH ? bufferOf(gH) : missing(),
          gC ? bufferOf(gC) : missing(),
          dz.buffer,
          dc0.buffer,
        ],
        new Params('lstmCellBackward').u(n, h, gH ? 1 : 0, gC ? 1 : 0).words,
        grid(n),
      );
      return [dz, dc0];
    },
  };
}

/** The fused kernels of the WebGPU backend, keyed by fused-op name (see `FusedAttrs` in `@rnn/tensor/backend`). */
export function fusedKernels(ctx: GPUContext): FusedKernels {
  return {
    softmaxCrossEntropy: softmaxCrossEntropy(ctx),
    lstmCell: lstmCell(ctx),
    rnnLayer: rnnLayer(ctx),
    layerNorm: layerNorm(ctx),
    adamUpdate: adamUpdate(ctx),
    sgdUpdate: sgdUpdate(ctx),
    tanhGrad: activationGrad(ctx, 'tanh'),
    sigmoidGrad: activationGrad(ctx, 'sigmoid'),
  };
}
