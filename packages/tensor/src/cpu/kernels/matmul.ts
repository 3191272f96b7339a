import type { DType, TypedArray } from '../../dtype';
import type { Shape } from '../../shape';
import { getCpuAccelerator } from '../accelerator';
import { notePureJsGemm } from '../native-hint';
import { allocUninit, recycle } from '../pool';

// Cache blocking: a KC x NC panel of B (64 KiB in float32) stays in L2 while rows of A stream past it.
const KC = 128;
const NC = 128;

/**
 * Batched matmul per the backend contract: `a` is `[Ba, m, k]` (`[Ba, k, m]` if `transA`),
 * `b` is `[Bb, k, n]` (`[Bb, n, k]` if `transB`), `Ba`/`Bb` equal or 1.
 */
export function matmul(
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  transA: boolean,
  transB: boolean,
  dtype: DType,
): TypedArray {
  const [ba, a1, a2] = aShape;
  const [bb, b1, b2] = bShape;
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const n = transB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const out = allocUninit(dtype, batch * m * n);
  for (let t = 0; t < batch; t++) {
    const offA = (ba === 1 ? 0 : t) * m * k;
    const offB = (bb === 1 ? 0 : t) * k * n;
    gemm(
      transA,
      transB,
      m,
      n,
      k,
      a,
      offA,
      transA ? m : k,
      b,
      offB,
      transB ? k : n,
      0,
      out,
      t * m * n,
      n,
      dtype,
    );
  }
  return out;
}

/**
 * Row-major GEMM into an existing array: `C[m, n] = op(A) · op(B) + beta · C` with `beta` 0 or 1,
 * `op(A)` = `A [m, k]` (leading dimension `lda`) or `Aᵀ` of `A [k, m]` with `transA`; likewise `B`.
 * Float32 runs on the plugged-in native `sgemm` when there is one (see `accelerator.ts`).
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  offA: number,
  lda: number,
  b: TypedArray,
  offB: number,
  ldb: number,
  beta: 0 | 1,
  c: TypedArray,
  offC: number,
  ldc: number,
  dtype: DType,
): void {
  if (m === 0 || n === 0) return;
  const acc = dtype === 'float32' ? getCpuAccelerator() : null;
  if (acc) {
    acc.sgemm(
      transA,
      transB,
      m,
      n,
      k,
      1,
      a as Float32Array,
      offA,
      lda,
      b as Float32Array,
      offB,
      ldb,
      beta,
      c as Float32Array,
      offC,
      ldc,
    );
    return;
  }
  if (dtype === 'float32') notePureJsGemm(m, n, k);
  if (beta === 0) for (let i = 0; i < m; i++) c.fill(0, offC + i * ldc, offC + i * ldc + n);
  if (k === 0) return;
  // The JavaScript kernel reads B row-major [k, n]: a transposed B is packed first.
  let bm = b;
  let offBm = offB;
  let ldbm = ldb;
  if (transB) {
    bm = allocUninit(dtype, k * n);
    for (let j = 0; j < n; j++) {
      const src = offB + j * ldb;
      for (let p = 0; p < k; p++) bm[p * n + j] = b[src + p];
    }
    offBm = 0;
    ldbm = n;
  }
  blockedGemm(m, n, k, a, offA, transA ? 1 : lda, transA ? lda : 1, bm, offBm, ldbm, c, offC, ldc);
  if (transB) recycle(bm);
}

/** C[m, n] += A[m, k] B[k, n], with A(i, p) = a[offA + i*rsA + p*csA], B row-major with leading dimension ldb. */
function blockedGemm(
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  offA: number,
  rsA: number,
  csA: number,
  b: TypedArray,
  offB: number,
  ldb: number,
  c: TypedArray,
  offC: number,
  ldc: number,
): void {
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(p0 + KC, k);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(j0 + NC, n);
      let i = 0;
      // Four rows of C at a time: each loaded element of B feeds four multiply-adds.
      for (; i + 3 < m; i += 4) {
        const c0 = offC + i * ldc;
        const c1 = c0 + ldc;
        const c2 = c1 + ldc;
        const c3 = c2 + ldc;
        for (let p = p0; p < p1; p++) {
          const ai = offA + i * rsA + p * csA;
          const x0 = a[ai];
          const x1 = a[ai + rsA];
          const x2 = a[ai + 2 * rsA];
          const x3 = a[ai + 3 * rsA];
          const br = offB + p * ldb;
          for (let j = j0; j < j1; j++) {
            const y = b[br + j];
            c[c0 + j] += x0 * y;
            c[c1 + j] += x1 * y;
            c[c2 + j] += x2 * y;
            c[c3 + j] += x3 * y;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = offC + i * ldc;
        for (let p = p0; p < p1; p++) {
          const x0 = a[offA + i * rsA + p * csA];
          const br = offB + p * ldb;
          for (let j = j0; j < j1; j++) c[c0 + j] += x0 * b[br + j];
        }
      }
    }
  }
}
