import type { ArgReduceOp, ReduceOp, TensorSpec } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { strided } from './layout';
import { contiguousStrides, sizeOf, splitAround } from './layout-math';
import { declare, grid, MATH, main1d, WG, wgslType } from './wgsl';

/**
 * Reductions work on `[outer, r, inner]` (the reduced axes in the middle), as the CPU backend does.
 * Two kernels: one thread per output (walks `r` with stride `inner`, coalesced across outputs) when
 * there are many outputs, and one workgroup per output with a tree reduction in workgroup memory
 * when rows are long and outputs few (a row sum, a total, a loss).
 */
function useWorkgroups(outputs: number, r: number, inner: number): boolean {
  return (inner === 1 && r >= 64) || (outputs <= 4096 && r >= 1024);
}

function identity(op: ReduceOp, t: string): string {
  if (op === 'sum') return `${t}(0)`;
  if (t === 'f32') return op === 'max' ? '-inf_()' : 'inf_()';
  if (t === 'i32') return op === 'max' ? 'bitcast<i32>(0x80000000u)' : 'bitcast<i32>(0x7fffffffu)';
  return op === 'max' ? '0u' : '0xffffffffu';
}

function combine(op: ReduceOp, t: string): string {
  if (op === 'sum') return 'a + b';
  const fn = op === 'max' ? 'max' : 'min';
  // NaN wins, as in PyTorch and the CPU backend.
  if (t === 'f32') return `select(select(${fn}(a, b), b, isnan_(b)), a, isnan_(a))`;
  return `${fn}(a, b)`;
}

/**
 * Per-thread accumulation code: `acc` starts at the identity and takes values with `add(v)`. Float
 * sums are compensated (Kahan), so a long row sums to about the float64 result the CPU backend gives.
 */
function accumulator(op: ReduceOp, t: string): string {
  const comb = `fn combine(a: ${t}, b: ${t}) -> ${t} { return ${combine(op, t)}; }`;
  if (op === 'sum' && t === 'f32') {
    return `${comb}
struct Acc { s: f32, c: f32 }
fn acc_new() -> Acc { return Acc(0.0, 0.0); }
fn acc_add(a: ptr<function, Acc>, v: f32) {
  let y = v - (*a).c;
  let t = (*a).s + y;
  (*a).c = select((t - (*a).s) - y, 0.0, isinf_(t) || isnan_(t));
  (*a).s = t;
}
fn acc_get(a: Acc) -> f32 { return a.s; }`;
  }
  return `${comb}
struct Acc { s: ${t} }
fn acc_new() -> Acc { return Acc(${identity(op, t)}); }
fn acc_add(a: ptr<function, Acc>, v: ${t}) { (*a).s = combine((*a).s, v); }
fn acc_get(a: Acc) -> ${t} { return a.s; }`;
}

export function reduce(ctx: GPUContext, op: ReduceOp, x: TensorSpec, axes: readonly number[]): GPUStorage {
  const t = wgslType(x.dtype);
  let src = bufferOf(x);
  let temp: GPUStorage | null = null;
  let outer: number;
  let r: number;
  let inner: number;
  const run = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (run) {
    [outer, r, inner] = splitAround(x.shape, axes[0], axes[axes.length - 1]);
  } else {
    // Scattered axes: one layout copy moves them to the end.
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...kept, ...axes];
    const s = contiguousStrides(x.shape);
    temp = strided(
      ctx,
      x,
      perm.map((d) => x.shape[d]),
      perm.map((d) => s[d]),
      0,
    );
    src = temp.buffer;
    outer = sizeOf(kept.map((d) => x.shape[d]));
    r = sizeOf(axes.map((d) => x.shape[d]));
    inner = 1;
  }
  const n = outer * inner;
  const out = output(ctx, n);
  const params = new Params('reduce').u(n, r, inner).words;
  const decls = declare([
    ['xs', 'read', t],
    ['dst', 'write', t],
  ]);
  if (useWorkgroups(n, r, inner)) {
    ctx.dispatch(
      `reduce-wg:${op}:${t}`,
      () => ({
        code: `${MATH}\n${decls}\n${accumulator(op, t)}
var<workgroup> sh: array<${t}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let q = wg.x + wg.y * nwg.x;
  if (q >= p(0u)) { return; }
  let r = p(1u);
  let inner = p(2u);
  let base = (q / inner) * r * inner + q % inner;
  var acc = acc_new();
  for (var k = lid; k < r; k += ${WG}u) { acc_add(&acc, xs[base + k * inner]); }
  sh[lid] = acc_get(acc);
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = combine(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[q] = sh[0]; }
}`,
        bindings: ['read', 'write'],
      }),
      [src, out.buffer],
      params,
      grid(n, 1),
    );
  } else {
    ctx.dispatch(
      `reduce:${op}:${t}`,
      () => ({
        code: `${MATH}\n${decls}\n${accumulator(op, t)}${main1d(`  let r = p(1u);
  let inner = p(2u);
  let base = (i / inner) * r * inner + i % inner;
  var acc = acc_new();
  for (var k = 0u; k < r; k++) { acc_add(&acc, xs[base + k * inner]); }
  dst[i] = acc_get(acc);`)}`,
        bindings: ['read', 'write'],
      }),
      [src, out.buffer],
      params,
      grid(n),
    );
  }
  if (temp) ctx.release(temp.buffer);
  return out;
}

/** Is `(vb, kb)` a better arg-extremum than `(va, ka)`: NaN first, then the extreme value, then the lower index. */
function argBetter(op: ArgReduceOp, t: string): string {
  const cmp = op === 'argmax' ? '>' : '<';
  if (t !== 'f32') {
    return `fn better(va: ${t}, ka: u32, vb: ${t}, kb: u32) -> bool { return vb ${cmp} va || (vb == va && kb < ka); }`;
  }
  return `fn better(va: f32, ka: u32, vb: f32, kb: u32) -> bool {
  let na = isnan_(va);
  let nb = isnan_(vb);
  if (na || nb) { return nb && (!na || kb < ka); }
  return vb ${cmp} va || (vb == va && kb < ka);
}`;
}

export function argReduce(ctx: GPUContext, op: ArgReduceOp, x: TensorSpec, axis: number): GPUStorage {
  const t = wgslType(x.dtype);
  const [outer, r, inner] = splitAround(x.shape, axis, axis);
  const n = outer * inner;
  const out = output(ctx, n);
  const params = new Params('argReduce').u(n, r, inner).words;
  const decls = declare([
    ['xs', 'read', t],
    ['dst', 'write', 'i32'],
  ]);
  if (useWorkgroups(n, r, inner)) {
    ctx.dispatch(
      `argreduce-wg:${op}:${t}`,
      () => ({
        code: `${MATH}\n${decls}\n${argBetter(op, t)}
var<workgroup> shv: array<${t}, ${WG}>;
var<workgroup> shk: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let q = wg.x + wg.y * nwg.x;
  if (q >= p(0u)) { return; }
  let r = p(1u);
  let inner = p(2u);
  let base = (q / inner) * r * inner + q % inner;
  var bk = 0xffffffffu;
  var bv = xs[base];
  for (var k = lid; k < r; k += ${WG}u) {
    let v = xs[base + k * inner];
    if (bk == 0xffffffffu || better(bv, bk, v, k)) { bv = v; bk = k; }
  }
  shv[lid] = bv;
  shk[lid] = bk;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s && shk[lid + s] != 0xffffffffu
        && (shk[lid] == 0xffffffffu || better(shv[lid], shk[lid], shv[lid + s], shk[lid + s]))) {
      shv[lid] = shv[lid + s];
      shk[lid] = shk[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { dst[q] = i32(shk[0]); }
}`,
        bindings: ['read', 'write'],
      }),
      [bufferOf(x), out.buffer],
      params,
      grid(n, 1),
    );
  } else {
    ctx.dispatch(
      `argreduce:${op}:${t}`,
      () => ({
        code: `${MATH}\n${decls}\n${argBetter(op, t)}${main1d(`  let r = p(1u);
  let inner = p(2u);
  let base = (i / inner) * r * inner + i % inner;
  var bv = xs[base];
  var bk = 0u;
  for (var k = 1u; k < r; k++) {
    let v = xs[base + k * inner];
    if (better(bv, bk, v, k)) { bv = v; bk = k; }
  }
  dst[i] = i32(bk);`)}`,
        bindings: ['read', 'write'],
      }),
      [bufferOf(x), out.buffer],
      params,
      grid(n),
    );
  }
  return out;
}
