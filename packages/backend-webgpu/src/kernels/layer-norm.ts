import type { FusedKernel, LayerNormAttrs, TensorSpec } from '@rnn/tensor/backend';
import type { BindingKind, GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { fill } from './elementwise';
import { sizeOf } from './layout-math';
import { WORKGROUP_ROW } from './softmax';
import { declare, grid, MATH, main1d, ROW_REDUCE, WG, wgslType } from './wgsl';

/**
 * The `layerNorm` fused op on WebGPU (see `ops/layer-norm.ts` in `@rnn/tensor`). Forward: one pass
 * per row for the mean, one for the biased variance of the centred values (compensated sums, as the
 * composite's two reductions), then `(x − mean) / √(var + eps) · weight + bias`; a thread per row, or
 * a workgroup per row for rows of 128 elements or more. Backward: per row the closed form
 * `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` (`ĝ = dy·weight`, plus the terms of the mean and rstd
 * outputs' gradients when they have any), and one thread per column for `dweight` and `dbias`.
 */

type Binding = readonly [name: string, kind: BindingKind, type: string];

function rowsOf(x: TensorSpec, a: LayerNormAttrs): [rows: number, d: number] {
  const d = sizeOf(x.shape.slice(x.shape.length - a.normalizedDims));
  return [d === 0 ? 0 : sizeOf(x.shape) / d, d];
}

/** A row kernel: `body.thread` runs once per row, `body.group` by every thread of a row's workgroup. */
function rowDispatch(
  ctx: GPUContext,
  key: string,
  rows: number,
  d: number,
  bindings: readonly Binding[],
  buffers: readonly GPUBuffer[],
  params: Params,
  body: { thread: string; group: string },
): void {
  const decls = declare(bindings);
  const kinds = bindings.map(([, k]) => k);
  if (d >= WORKGROUP_ROW) {
    ctx.dispatch(
      `${key}-wg`,
      () => ({
        code: `${MATH}\n${decls}\n${ROW_REDUCE}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg.x + wg.y * nwg.x;
  if (i >= p(0u)) { return; }
  let d = p(1u);
  let base = i * d;
${body.group}
}`,
        bindings: kinds,
      }),
      buffers,
      params.words,
      grid(rows, 1),
    );
  } else {
    ctx.dispatch(
      key,
      () => ({
        code: `${MATH}\n${decls}${main1d(`  let d = p(1u);
  let base = i * d;
${body.thread}`)}`,
        bindings: kinds,
      }),
      buffers,
      params.words,
      grid(rows),
    );
  }
}

/** Sum over a row of `expr(j)`: compensated per thread, then (workgroup variant) a tree over threads. */
function rowSum(name: string, expr: string, group: boolean): string {
  if (!group)
    return `  var ${name}_s = vec2<f32>(0.0);
  for (var j = 0u; j < d; j++) { ${name}_s = kahan(${name}_s, ${expr}); }
  let ${name} = ${name}_s.x;`;
  return `  var ${name}_s = vec2<f32>(0.0);
  for (var j = lid; j < d; j += ${WG}u) { ${name}_s = kahan(${name}_s, ${expr}); }
  let ${name} = row_reduce(${name}_s.x, lid, 0u);`;
}

export function layerNorm(ctx: GPUContext): FusedKernel<LayerNormAttrs> {
  let placeholder: GPUBuffer | null = null;
  const missing = () => (placeholder ??= ctx.acquire(4));

  return {
    forward(inputs, attrs) {
      const a = attrs;
      const x = inputs[0];
      wgslType(x.dtype);
      const w = a.hasWeight ? inputs[1] : null;
      const b = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
      const [rows, d] = rowsOf(x, a);
      const y = output(ctx, rows * d);
      const mean = output(ctx, rows);
      const rstd = output(ctx, rows);
      const value = `(xs[base + j] - mu) / sd${w ? ' * ws[j]' : ''}${b ? ' + bs[j]' : ''}`;
      const stats = (group: boolean) => `${rowSum('s', 'xs[base + j]', group)}
  let mu = s / f32(d);
${rowSum('v', '(xs[base + j] - mu) * (xs[base + j] - mu)', group)}
  let sd = sqrt(v / f32(d) + pf(2u));`;
      const bindings: Binding[] = [['xs', 'read', 'f32']];
      const buffers = [bufferOf(x)];
      for (const [name, t] of [
        ['ws', w],
        ['bs', b],
      ] as const) {
        if (!t) continue;
        bindings.push([name, 'read', 'f32']);
        buffers.push(bufferOf(t));
      }
      bindings.push(['y', 'write', 'f32'], ['mean', 'write', 'f32'], ['rstd', 'write', 'f32']);
      buffers.push(y.buffer, mean.buffer, rstd.buffer);
      rowDispatch(
        ctx,
        `layerNorm:${w ? 'w' : '-'}${b ? 'b' : '-'}`,
        rows,
        d,
        bindings,
        buffers,
        new Params('layerNorm').u(rows, d).f(a.eps),
        {
          thread: `${stats(false)}
  mean[i] = mu;
  rstd[i] = 1.0 / sd;
  for (var j = 0u; j < d; j++) { y[base + j] = ${value}; }`,
          group: `${stats(true)}
  if (lid == 0u) { mean[i] = mu; rstd[i] = 1.0 / sd; }
  for (var j = lid; j < d; j += ${WG}u) { y[base + j] = ${value}; }`,
        },
      );
      return [y, mean, rstd];
    },

    backward(inputs, outputs, grads, attrs) {
      const a = attrs;
      const x = inputs[0];
      const w = a.hasWeight ? inputs[1] : null;
      const [rows, d] = rowsOf(x, a);
      const [gy, gMean, gRstd] = grads;
      const mean = bufferOf(outputs[1]);
      const rstd = bufferOf(outputs[2]);
      const dx = output(ctx, rows * d);
      const wj = w ? ' * ws[j]' : '';
      const g = `select(0.0, gy[base + j]${wj}, p(2u) != 0u)`;
      const xhat = '((xs[base + j] - mu) * rs)';
      const prologue = (group: boolean) => `  let mu = mean[i];
  let rs = rstd[i];
${rowSum('sg', g, group)}
${rowSum('sgx', `${g} * ${xhat}`, group)}
  let mg = sg / f32(d);
  let mgx = sgx / f32(d);
  var fromMean = 0.0;
  if (p(3u) != 0u) { fromMean = gmean[i] / f32(d); }
  var fromRstd = 0.0;
  if (p(4u) != 0u) { fromRstd = -grstd[i] * rs * rs * rs / f32(d); }`;
      const write = `let c = xs[base + j] - mu;
    dx[base + j] = fromMean + fromRstd * c + rs * (${g} - mg - c * rs * mgx);`;
      rowDispatch(
        ctx,
        `layerNormBackward:${w ? 'w' : '-'}`,
        rows,
        d,
        [
          ['xs', 'read', 'f32'],
          ['ws', 'read', 'f32'],
          ['mean', 'read', 'f32'],
          ['rstd', 'read', 'f32'],
          ['gy', 'read', 'f32'],
          ['gmean', 'read', 'f32'],
          ['grstd', 'read', 'f32'],
          ['dx', 'write', 'f32'],
        ],
        [
          bufferOf(x),
          w ? bufferOf(w) : missing(),
          mean,
          rstd,
          gy ? bufferOf(gy) : missing(),
          gMean ? bufferOf(gMean) : missing(),
          gRstd ? bufferOf(gRstd) : missing(),
          dx.buffer,
        ],
        new Params('layerNormBackward').u(rows, d, gy ? 1 : 0, gMean ? 1 : 0, gRstd ? 1 : 0),
        {
          thread: `${prologue(false)}
  for (var j = 0u; j < d; j++) {
    ${write}
  }`,
          group: `${prologue(true)}
  for (var j = lid; j < d; j += ${WG}u) {
    ${write}
  }`,
        },
      );
      const out: (GPUStorage | null)[] = [dx];
      if (!a.hasWeight && !a.hasBias) return out;
      let dw: GPUStorage;
      let db: GPUStorage;
      if (!gy) {
        dw = fill(ctx, [d], 'float32', 0);
        db = fill(ctx, [d], 'float32', 0);
      } else {
        // Column sums over the rows, one thread per column, in row order (deterministic).
        dw = output(ctx, d);
        db = output(ctx, d);
        ctx.dispatch(
          'layerNormBackward:affine',
          () => ({
            code: `${MATH}
${declare([
  ['xs', 'read', 'f32'],
  ['mean', 'read', 'f32'],
  ['rstd', 'read', 'f32'],
  ['gy', 'read', 'f32'],
  ['dw', 'write', 'f32'],
  ['db', 'write', 'f32'],
])}${main1d(`  let d = p(0u);
  let rows = p(1u);
  var sw = vec2<f32>(0.0);
  var sb = vec2<f32>(0.0);
  for (var r = 0u; r < rows; r++) {
    let at = r * d + i;
    let g = gy[at];
    sw = kahan(sw, g * ((xs[at] - mean[r]) * rstd[r]));
    sb = kahan(sb, g);
  }
  dw[i] = sw.x;
  db[i] = sb.x;`)}`,
            bindings: ['read', 'read', 'read', 'read', 'write', 'write'],
          }),
          [bufferOf(x), mean, rstd, bufferOf(gy), dw.buffer, db.buffer],
          new Params('layerNormBackward:affine').u(d, rows).words,
          grid(d),
        );
      }
      if (a.hasWeight) out.push(dw);
      else ctx.release(dw.buffer);
      if (a.hasBias) out.push(db);
      else ctx.release(db.buffer);
      return out;
    },
  };
}
