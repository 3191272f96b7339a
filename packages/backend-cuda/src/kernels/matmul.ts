import type { TensorSpec } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { perDtype } from './spec';

/** The built-in GEMM kernels (used without cuBLAS, and for int32), launched by `CudaContext.gemm`. */
// biome-ignore format: one parameter list, as the kernel declares it
export const GEMM_KERNELS = perDtype('matmul', 'gemm', ['float32', 'float64', 'int32'], [
  'ptr', 'ptr', 'ptr', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i64', 'i64', 'i64', 'f64', 'f64',
]);

/**
 * Batched matmul per the contract: `a` `[Ba, m, k]` (`[Ba, k, m]` with `transA`), `b` `[Bb, k, n]`
 * (`[Bb, n, k]` with `transB`), `Ba`/`Bb` equal or 1 (stride 0 repeats the single matrix).
 */
export function matmul(
  ctx: CudaContext,
  a: TensorSpec,
  b: TensorSpec,
  transA: boolean,
  transB: boolean,
): CudaStorage {
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const n = transB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const out = alloc(ctx, a.dtype, batch * m * n, 'matmul');
  if (k === 0) {
    ctx.memset8(out.ptr, 0, batch * m * n * (a.dtype === 'float64' ? 8 : 4));
    return out;
  }
  ctx.gemm({
    dtype: a.dtype,
    transA,
    transB,
    m,
    n,
    k,
    alpha: 1,
    a: ptrOf(a),
    lda: transA ? m : k,
    strideA: ba === 1 ? 0 : m * k,
    b: ptrOf(b),
    ldb: transB ? k : n,
    strideB: bb === 1 ? 0 : k * n,
    beta: 0,
    c: out.ptr,
    ldc: n,
    strideC: m * n,
    batch,
  });
  return out;
}
