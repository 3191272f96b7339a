import type { TensorSpec } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { sizeOf, splitAround } from './layout-math';
import { declare, grid, MATH, main1d, ROW_REDUCE, WG, wgslType } from './wgsl';

/** Rows at least this long get a workgroup each (a vocabulary-sized softmax); shorter ones a thread. */
export const WORKGROUP_ROW = 128;

/**
 * Softmax or log-softmax along `axis`, over `[outer, n, inner]`, subtracting the row max (a row of
 * -Infinity shifts by 0, NaN propagates), as the CPU backend computes it. Log-softmax is
 * `(x - max) - log(sum)`: adding the log-sum to the max first would round it at the max's magnitude.
 */
export function softmax(ctx: GPUContext, x: TensorSpec, axis: number, log: boolean): GPUStorage {
  const t = wgslType(x.dtype);
  const [outer, n, inner] = splitAround(x.shape, axis, axis);
  const out = output(ctx, sizeOf(x.shape));
  const rows = outer * inner;
  const decls = declare([
    ['xs', 'read', t],
    ['dst', 'write', t],
  ]);
  const write = log
    ? '  let lsum = log_(s.x);\n  for (var k = K0; k < n; k += KS) { let at = base + k * inner; dst[at] = (xs[at] - m) - lsum; }'
    : '  let inv = 1.0 / s.x;\n  for (var k = K0; k < n; k += KS) { let at = base + k * inner; dst[at] = exp_(xs[at] - m) * inv; }';
  if (inner === 1 && n >= WORKGROUP_ROW) {
    ctx.dispatch(
      `softmax-wg:${log}`,
      () => ({
        code: `${MATH}\n${decls}\n${ROW_REDUCE}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= p(0u)) { return; }
  let n = p(1u);
  let inner = 1u;
  let base = row * n;
  var lm = -inf_();
  for (var k = lid; k < n; k += ${WG}u) { lm = row_combine(lm, xs[base + k], 1u); }
  var m = row_reduce(lm, lid, 1u);
  if (m == -inf_()) { m = 0.0; }
  var ls = vec2<f32>(0.0);
  for (var k = lid; k < n; k += ${WG}u) { ls = kahan(ls, exp_(xs[base + k] - m)); }
  let s = vec2<f32>(row_reduce(ls.x, lid, 0u), 0.0);
${write.replaceAll('K0', 'lid').replaceAll('KS', `${WG}u`)}
}`,
        bindings: ['read', 'write'],
      }),
      [bufferOf(x), out.buffer],
      new Params('softmax').u(rows, n).words,
      grid(rows, 1),
    );
    return out;
  }
  ctx.dispatch(
    `softmax:${log}`,
    () => ({
      code: `${MATH}\n${decls}${main1d(`  let n = p(1u);
  let inner = p(2u);
  let base = (i / inner) * n * inner + i % inner;
  var m = -inf_();
  for (var k = 0u; k < n; k++) {
    let v = xs[base + k * inner];
    if (v > m || isnan_(v)) { m = v; }
  }
  if (m == -inf_()) { m = 0.0; }
  var s = vec2<f32>(0.0);
  for (var k = 0u; k < n; k++) { s = kahan(s, exp_(xs[base + k * inner] - m)); }
${write.replaceAll('K0', '0u').replaceAll('KS', '1u')}`)}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(x), out.buffer],
    new Params('softmax').u(rows, n, inner).words,
    grid(rows),
  );
  return out;
}
