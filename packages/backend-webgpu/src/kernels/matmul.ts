import type { TensorSpec } from '@rnn/tensor/backend';
import { type GPUContext, MAX_GROUPS } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output } from './common';
import { declare, grid, main1d, wgslType } from './wgsl';

/** Products below this many multiply-adds (or thinner than 8) go to the simple kernel under 'auto'. */
const SIMPLE_BELOW = 1 << 20;

function useSimple(ctx: GPUContext, m: number, n: number, k: number, batch: number): boolean {
  const choice = ctx.options.matmulKernel ?? 'auto';
  if (choice !== 'auto') return choice === 'simple';
  return m * n * k * batch < SIMPLE_BELOW || Math.min(m, n) < 8;
}

/** Output tile of one workgroup (TILE x TILE), and the depth of one step through k. */
const TILE = 64;
const DEPTH = 16;

/**
 * Tiled matmul in workgroup memory: a 16x16 workgroup computes a 64x64 tile of C, each thread a 4x4
 * block (rows `ty + 16i`, columns `tx + 16j`). Each step stages a 64x16 panel of A and a 16x64 panel of
 * B in workgroup memory, loaded so that neighbouring threads read neighbouring addresses whatever the
 * transposes, then every thread does 16 rank-1 updates from it. Transposes are compile-time variants.
 */
function source(t: string, transA: boolean, transB: boolean, accumulate: boolean): string {
  const loadA = transA
    ? 'let kk = e / 64u; let mm = e % 64u;' // A is [K, M]: consecutive threads walk m
    : 'let mm = e / 16u; let kk = e % 16u;'; // A is [M, K]: consecutive threads walk k
  const loadB = transB
    ? 'let nn = e / 16u; let kb = e % 16u;' // B is [N, K]
    : 'let kb = e / 64u; let nn = e % 64u;'; // B is [K, N]
  return `${declare([
    ['A', 'read', t],
    ['B', 'read', t],
    ['C', 'write', t],
  ])}
var<workgroup> As: array<${t}, ${TILE * DEPTH}>;
var<workgroup> Bs: array<${t}, ${TILE * DEPTH}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let M = p(0u);
  let N = p(1u);
  let K = p(2u);
  let batch = wg.z + p(5u);
  let aBase = p(6u) + batch * p(3u);
  let bBase = p(7u) + batch * p(4u);
  let cBase = p(8u) + batch * M * N;
  let row0 = wg.y * ${TILE}u;
  let col0 = wg.x * ${TILE}u;
  var acc: array<${t}, 16>;
  for (var k0 = 0u; k0 < K; k0 += ${DEPTH}u) {
    for (var l = 0u; l < 4u; l++) {
      let e = tid + l * 256u;
      ${loadA}
      let gm = row0 + mm;
      let gk = k0 + kk;
      var va = ${t}(0);
      if (gm < M && gk < K) { va = A[aBase + ${transA ? 'gk * M + gm' : 'gm * K + gk'}]; }
      As[kk * ${TILE}u + mm] = va;
      ${loadB}
      let gn = col0 + nn;
      let gkb = k0 + kb;
      var vb = ${t}(0);
      if (gn < N && gkb < K) { vb = B[bBase + ${transB ? 'gn * K + gkb' : 'gkb * N + gn'}]; }
      Bs[kb * ${TILE}u + nn] = vb;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${DEPTH}u; k++) {
      var a: array<${t}, 4>;
      var b: array<${t}, 4>;
      for (var q = 0u; q < 4u; q++) {
        a[q] = As[k * ${TILE}u + lid.y + q * 16u];
        b[q] = Bs[k * ${TILE}u + lid.x + q * 16u];
      }
      for (var q = 0u; q < 4u; q++) {
        for (var s = 0u; s < 4u; s++) { acc[q * 4u + s] += a[q] * b[s]; }
      }
    }
    workgroupBarrier();
  }
  for (var q = 0u; q < 4u; q++) {
    let gm = row0 + lid.y + q * 16u;
    for (var s = 0u; s < 4u; s++) {
      let gn = col0 + lid.x + s * 16u;
      if (gm < M && gn < N) {
        let at = cBase + gm * N + gn;
        C[at] = ${accumulate ? 'C[at] + ' : ''}acc[q * 4u + s];
      }
    }
  }
}`;
}

/**
 * One thread per output element, no workgroup memory: for products too small to fill tiles (an RNN
 * step with a small batch), where the tiled kernel's barriers cost more than they save.
 */
function simpleSource(t: string, transA: boolean, transB: boolean, accumulate: boolean): string {
  return `${declare([
    ['A', 'read', t],
    ['B', 'read', t],
    ['C', 'write', t],
  ])}${main1d(`  let M = p(1u);
  let N = p(2u);
  let K = p(3u);
  let col = i % N;
  let rest = i / N;
  let row = rest % M;
  let batch = rest / M;
  let aBase = p(6u) + batch * p(4u);
  let bBase = p(7u) + batch * p(5u);
  var acc = ${t}(0);
  for (var k = 0u; k < K; k++) {
    acc += A[aBase + ${transA ? 'k * M + row' : 'row * K + k'}] * B[bBase + ${transB ? 'col * K + k' : 'k * N + col'}];
  }
  let at = p(8u) + i;
  C[at] = ${accumulate ? 'C[at] + ' : ''}acc;`)}`;
}

/** A matrix operand inside a buffer: `offset` is in elements. */
export interface MatrixRef {
  readonly buffer: GPUBuffer;
  readonly offset?: number;
}

/** The dimensions and flags of {@link matmulInto}. */
export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Batch count (default 1); `aBatch` / `bBatch` false broadcast that operand over the batch. */
  batch?: number;
  aBatch?: boolean;
  bBatch?: boolean;
  /** `C += A·B` instead of `C = A·B`. */
  accumulate?: boolean;
  /** Element type (default f32). */
  type?: 'f32' | 'i32' | 'u32';
}

/**
 * `C = A·B` (or `C += A·B`) with every operand at an element offset in its buffer: the fused RNN
 * kernels run their per-step products on slices of packed buffers with this, without copies.
 */
export function matmulInto(ctx: GPUContext, a: MatrixRef, b: MatrixRef, c: MatrixRef, s: MatmulShape): void {
  const t = s.type ?? 'f32';
  const { m, n, k, transA, transB } = s;
  const batch = s.batch ?? 1;
  const aStride = s.aBatch === false ? 0 : m * k;
  const bStride = s.bBatch === false ? 0 : k * n;
  const acc = s.accumulate ?? false;
  const offs = [a.offset ?? 0, b.offset ?? 0, c.offset ?? 0];
  const variant = `${t}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${acc ? ':acc' : ''}`;
  if (useSimple(ctx, m, n, k, batch)) {
    const total = batch * m * n;
    ctx.dispatch(
      `matmul-simple:${variant}`,
      () => ({ code: simpleSource(t, transA, transB, acc), bindings: ['read', 'read', 'write'] }),
      [a.buffer, b.buffer, c.buffer],
      new Params('matmul').u(total, m, n, k, aStride, bStride, ...offs).words,
      grid(total),
    );
    return;
  }
  const key = `matmul:${variant}`;
  const gx = Math.ceil(n / TILE);
  const gy = Math.ceil(m / TILE);
  for (let z0 = 0; z0 < batch; z0 += MAX_GROUPS) {
    ctx.dispatch(
      key,
      () => ({ code: source(t, transA, transB, acc), bindings: ['read', 'read', 'write'] }),
      [a.buffer, b.buffer, c.buffer],
      new Params('matmul').u(m, n, k, aStride, bStride, z0, ...offs).words,
      [gx, gy, Math.min(MAX_GROUPS, batch - z0)],
    );
  }
}

/** Batched matmul per the contract: `[Ba, m, k] x [Bb, k, n]` (transposes as flags), Ba/Bb equal or 1. */
export function matmul(
  ctx: GPUContext,
  a: TensorSpec,
  b: TensorSpec,
  transA: boolean,
  transB: boolean,
): GPUStorage {
  const t = wgslType(a.dtype);
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const n = transB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const out = output(ctx, batch * m * n);
  matmulInto(ctx, { buffer: bufferOf(a) }, { buffer: bufferOf(b) }, out, {
    m,
    n,
    k,
    transA,
    transB,
    batch,
    aBatch: ba !== 1,
    bBatch: bb !== 1,
    type: t,
  });
  return out;
}
