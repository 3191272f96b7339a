// The GEMM used when cuBLAS is not there (and for int32, which cuBLAS does not multiply):
// C = alpha·op(A)·op(B) + beta·C, row-major, batched with strides (0 broadcasts one matrix), 32×32
// tiles of A and B in shared memory, each thread computing 2×2 outputs in double.
#define TILE 32

template <class T>
__device__ __forceinline__ void gemm_body(T *C, const T *A, const T *B, int m, int n, int k, int lda, int ldb,
                                          int ldc, int ta, int tb, i64 sA, i64 sB, i64 sC, double alpha,
                                          double beta) {
  __shared__ T as[TILE][TILE + 1];
  __shared__ T bs[TILE][TILE + 1];
  int bz = blockIdx.z;
  A += bz * sA;
  B += bz * sB;
  C += bz * sC;
  int tx = threadIdx.x, ty = threadIdx.y;  // 16 × 16 threads
  int row0 = blockIdx.y * TILE, col0 = blockIdx.x * TILE;
  double acc[2][2] = {{0, 0}, {0, 0}};
  for (int p0 = 0; p0 < k; p0 += TILE) {
    for (int li = ty; li < TILE; li += 16) {
      for (int lp = tx; lp < TILE; lp += 16) {
        int i = row0 + li, p = p0 + lp;
        as[li][lp] = (i < m && p < k) ? (ta ? A[(i64)p * lda + i] : A[(i64)i * lda + p]) : (T)0;
        int pj = p0 + li, j = col0 + lp;
        bs[li][lp] = (pj < k && j < n) ? (tb ? B[(i64)j * ldb + pj] : B[(i64)pj * ldb + j]) : (T)0;
      }
    }
    __syncthreads();
    for (int p = 0; p < TILE; p++) {
      double a0 = (double)as[ty][p], a1 = (double)as[ty + 16][p];
      double b0 = (double)bs[p][tx], b1 = (double)bs[p][tx + 16];
      acc[0][0] += a0 * b0;
      acc[0][1] += a0 * b1;
      acc[1][0] += a1 * b0;
      acc[1][1] += a1 * b1;
    }
    __syncthreads();
  }
  for (int u = 0; u < 2; u++) {
    for (int v = 0; v < 2; v++) {
      int i = row0 + ty + 16 * u, j = col0 + tx + 16 * v;
      if (i < m && j < n) {
        T *c = C + (i64)i * ldc + j;
        double r = alpha * acc[u][v];
        if (beta != 0.0) r += beta * (double)*c;
        *c = from_double<T>(r);
      }
    }
  }
}

#define GEMM(SUFFIX, T)                                                                                 \
  extern "C" __global__ void gemm_##SUFFIX(T *C, const T *A, const T *B, int m, int n, int k, int lda,  \
                                           int ldb, int ldc, int ta, int tb, i64 sA, i64 sB, i64 sC,    \
                                           double alpha, double beta) {                                 \
    gemm_body<T>(C, A, B, m, n, k, lda, ldb, ldc, ta, tb, sA, sB, sC, alpha, beta);                     \
  }
GEMM(f32, float)
GEMM(f64, double)
GEMM(i32, int)
