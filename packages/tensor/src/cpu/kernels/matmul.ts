import { allocArray, type DType, type TypedArray } from '../../dtype';
import type { Shape } from '../../shape';

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
  const out = allocArray(dtype, batch * m * n);
  // B is read row-major [k, n]; a transposed B is packed once per batch entry.
  const packed = transB ? allocArray(dtype, k * n) : null;
  let packedFor = -1;
  for (let t = 0; t < batch; t++) {
    const offA = (ba === 1 ? 0 : t) * m * k;
    let bm: TypedArray = b;
    let offB = (bb === 1 ? 0 : t) * k * n;
    if (packed) {
      if (packedFor !== offB) {
        for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) packed[p * n + j] = b[offB + j * k + p];
        packedFor = offB;
      }
      bm = packed;
      offB = 0;
    }
    gemm(m, n, k, a, offA, transA ? 1 : k, transA ? m : 1, bm, offB, out, t * m * n);
  }
  return out;
}

/** C[m, n] += A[m, k] B[k, n], with A(i, p) = a[offA + i*rsA + p*csA] and B row-major. */
function gemm(
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  offA: number,
  rsA: number,
  csA: number,
  b: TypedArray,
  offB: number,
  c: TypedArray,
  offC: number,
): void {
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(p0 + KC, k);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(j0 + NC, n);
      let i = 0;
      // Four rows of C at a time: each loaded element of B feeds four multiply-adds.
      for (; i + 3 < m; i += 4) {
        const c0 = offC + i * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        for (let p = p0; p < p1; p++) {
          const ai = offA + i * rsA + p * csA;
          const x0 = a[ai];
          const x1 = a[ai + rsA];
          const x2 = a[ai + 2 * rsA];
          const x3 = a[ai + 3 * rsA];
          const br = offB + p * n;
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
        const c0 = offC + i * n;
        for (let p = p0; p < p1; p++) {
          const x0 = a[offA + i * rsA + p * csA];
          const br = offB + p * n;
          for (let j = j0; j < j1; j++) c[c0 + j] += x0 * b[br + j];
        }
      }
    }
  }
}
