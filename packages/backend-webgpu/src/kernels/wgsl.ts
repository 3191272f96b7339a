import { type DType, DTypeError } from '@rnn/tensor/backend';
import type { BindingKind } from '../device/context';
import { MAX_GROUPS } from '../device/context';

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WG = 256;

/** The WGSL element type that stores `dtype` (bool is one u32 per element, 0 or 1). */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new DTypeError(
        `webgpu: ${dtype} tensors are not supported on WebGPU (float32, int32 and bool are)`,
      );
  }
}

/**
 * Storage declarations for `bindings` (name and element type each) plus the parameter block at the
 * next binding, with accessors `p(i)` (u32), `pi(i)` (i32) and `pf(i)` (f32) for word `i`.
 */
export function declare(
  bindings: readonly (readonly [name: string, kind: BindingKind, type: string])[],
): string {
  const lines = bindings.map(
    ([name, kind, type], i) =>
      `@group(0) @binding(${i}) var<storage, ${kind === 'read' ? 'read' : 'read_write'}> ${name}: array<${type}>;`,
  );
  lines.push(`@group(0) @binding(${bindings.length}) var<uniform> P: array<vec4<u32>, 16>;`);
  lines.push('fn p(i: u32) -> u32 { return P[i >> 2u][i & 3u]; }');
  lines.push('fn pi(i: u32) -> i32 { return bitcast<i32>(p(i)); }');
  lines.push('fn pf(i: u32) -> f32 { return bitcast<f32>(p(i)); }');
  return lines.join('\n');
}

/**
 * Entry point of a one-thread-per-item kernel over `p(0)` items: `i` is the item, on a 2-D grid so
 * more than 65535 workgroups fit.
 */
export function main1d(body: string): string {
  return `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p(0u)) { return; }
${body}
}`;
}

/** Workgroup grid for `items` items of `perGroup` each, folded into 2-D past 65535 groups. */
export function grid(items: number, perGroup = WG): [number, number] {
  const groups = Math.ceil(items / perGroup);
  if (groups <= MAX_GROUPS) return [groups, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/**
 * Float helpers shared by the kernels. Builtin `exp`, `log`, `tanh`, `sin` and `cos` have loose
 * accuracy bounds in WGSL (e.g. `log` is only 2^-21 absolute near 1) and differ between GPUs, so the
 * kernels use these range-reduced polynomials: a few ulp everywhere, and the same on every device.
 * NaN tests use the bits, which no compiler may fold away.
 */
export const MATH = /* wgsl */ `
const INF_F = 0x7f800000u;
// Private variables, not constants: WGSL rejects NaN and infinity in constant expressions.
var<private> nan_bits: u32 = 0x7fc00000u;
var<private> inf_bits: u32 = 0x7f800000u;
fn nan_() -> f32 { return bitcast<f32>(nan_bits); }
fn inf_() -> f32 { return bitcast<f32>(inf_bits); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > INF_F; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == INF_F; }

const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-06;

fn exp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 88.72284) { return inf_(); }
  if (x < -103.97208) { return 0.0; }
  let k = round(x * 1.44269504);
  let r = (x - k * LN2_HI) - k * LN2_LO;
  let q = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666667 + r * (0.041666668 + r * (0.008333334
        + r * (0.0013888889 + r * (0.0001984127 + r * 0.0000248016)))))));
  let e = i32(k);
  return ldexp(ldexp(q, e / 2), e - e / 2);
}

fn log_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (isinf_(x)) { return x; }
  let fe = frexp(x);
  var m = fe.fract;
  var e = fe.exp;
  if (m < 0.70710678) { m = m * 2.0; e = e - 1; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let t = s2 * (0.33333334 + s2 * (0.2 + s2 * (0.14285715 + s2 * (0.11111111 + s2 * 0.09090909))));
  let lm = 2.0 * s + 2.0 * s * t;
  let ef = f32(e);
  return ef * LN2_HI + (lm + ef * LN2_LO);
}

fn tanh_(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.125) {
    let x2 = x * x;
    return x + x * x2 * (-0.33333334 + x2 * (0.13333334 + x2 * (-0.053968254 + x2 * 0.021869488)));
  }
  let e = exp_(-2.0 * a);
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, x < 0.0);
}

fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp_(-x)); }
  let e = exp_(x);
  return e / (1.0 + e);
}

// Compensated running sum: s.x is the sum, s.y the lost low-order part.
fn kahan(s: vec2<f32>, v: f32) -> vec2<f32> {
  let y = v - s.y;
  let t = s.x + y;
  return vec2<f32>(t, select((t - s.x) - y, 0.0, isinf_(t) || isnan_(t)));
}

// sin and cos of 2*pi*t for t in [0, 1), reduced to a quarter turn (exact for t = k * 2^-24).
fn sincos_turns(t: f32) -> vec2<f32> {
  let q = round(t * 4.0);
  let x = (t - q * 0.25) * 6.28318531;
  let x2 = x * x;
  let s = x + x * x2 * (-0.16666667 + x2 * (0.008333334 + x2 * (-0.0001984127 + x2 * 0.0000027557319)));
  let c = 1.0 + x2 * (-0.5 + x2 * (0.041666668 + x2 * (-0.0013888889 + x2 * (0.0000248016 - x2 * 0.00000027557319))));
  switch (u32(q) & 3u) {
    case 0u: { return vec2<f32>(s, c); }
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
`;

/**
 * Workgroup-wide reductions of one f32 per thread (tree in workgroup memory) for the
 * one-workgroup-per-row kernels. Call from uniform control flow only (they contain barriers).
 */
export const ROW_REDUCE = /* wgsl */ `
var<workgroup> red: array<f32, ${WG}>;
fn row_combine(a: f32, b: f32, op: u32) -> f32 {
  switch (op) {
    case 0u: { return a + b; }
    case 1u: { return select(select(max(a, b), b, isnan_(b)), a, isnan_(a)); }
    default: { return select(select(b, a, a > b || isnan_(b)), b, isnan_(a)); }
  }
}
// op: 0 = sum, 1 = max with NaN winning, 2 = max ignoring NaN.
fn row_reduce(v: f32, lid: u32, op: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = row_combine(red[lid], red[lid + s], op); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

/**
 * The storage binding of the index-error flag (`device/index-errors.ts`): index-reading kernels list
 * it after their own bindings and bind `ctx.indexFlag.bind()` there.
 */
export const INDEX_FLAG = ['flag', 'write', 'atomic<u32>'] as const;

/**
 * `index_ok(v, limit, pos)`: whether the index `v` read at flat position `pos` lies in `[0, limit)`.
 * If not, it records `(site, v, pos, limit)` in the flag unless an earlier bad index claimed it (the
 * compare-exchange lets exactly one invocation write the report) and returns false: the caller then
 * uses a safe value instead of reading or writing out of bounds. The in-range path is one compare.
 */
export function indexCheck(site: number): string {
  return /* wgsl */ `
fn index_ok(v: i32, limit: u32, pos: u32) -> bool {
  if (v >= 0 && u32(v) < limit) { return true; }
  if (atomicLoad(&flag[0]) != 0u) { return false; }
  loop {
    let r = atomicCompareExchangeWeak(&flag[0], 0u, 1u);
    if (r.exchanged) {
      atomicStore(&flag[1], ${site}u);
      atomicStore(&flag[2], bitcast<u32>(v));
      atomicStore(&flag[3], pos);
      atomicStore(&flag[4], limit);
      break;
    }
    if (r.old_value != 0u) { break; }
  }
  return false;
}
`;
}
