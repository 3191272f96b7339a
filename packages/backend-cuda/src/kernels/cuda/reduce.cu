// Reductions over the middle axis of [outer, r, inner] (the host moves scattered axes next to each
// other first): sum in double, max/min with NaN propagating, and argmax/argmin (first index on ties,
// the first NaN wins), as the CPU backend. Two shapes of kernel: a thread per output when there are
// many outputs, a block per output (shared-memory tree) when there are few long rows.
// op: 0 sum, 1 max, 2 min; arg op: 0 argmax, 1 argmin.

__device__ __forceinline__ double reduce_combine(int op, double a, double b) {
  if (op == 0) return a + b;
  if (a != a) return a;
  if (b != b) return b;
  return op == 1 ? (b > a ? b : a) : (b < a ? b : a);
}

template <class T>
__device__ __forceinline__ void reduce_thread_body(T *out, const T *x, int outer, int r, int inner, int op) {
  GRID_STRIDE(q, outer * inner) {
    int o = q / inner, i = q - o * inner;
    const T *p = x + (i64)o * r * inner + i;
    double acc = op == 0 ? 0.0 : (double)p[0];
    for (int k = op == 0 ? 0 : 1; k < r; k++) acc = reduce_combine(op, acc, (double)p[(i64)k * inner]);
    out[q] = from_double<T>(acc);
  }
}

template <class T>
__device__ __forceinline__ void reduce_block_body(T *out, const T *x, int outer, int r, int inner, int op) {
  __shared__ double part[1024];
  for (int q = blockIdx.x; q < outer * inner; q += gridDim.x) {
    int o = q / inner, i = q - o * inner;
    const T *p = x + (i64)o * r * inner + i;
    double acc = op == 0 ? 0.0 : (double)p[0];
    for (int k = threadIdx.x; k < r; k += blockDim.x) acc = reduce_combine(op, acc, (double)p[(i64)k * inner]);
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
      if (threadIdx.x < s) part[threadIdx.x] = reduce_combine(op, part[threadIdx.x], part[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[q] = from_double<T>(part[0]);
    __syncthreads();
  }
}

#define REDUCE(SUFFIX, T)                                                                                   \
  extern "C" __global__ void reduce_thread_##SUFFIX(T *out, const T *x, int outer, int r, int inner, int op) { \
    reduce_thread_body<T>(out, x, outer, r, inner, op);                                                     \
  }                                                                                                         \
  extern "C" __global__ void reduce_block_##SUFFIX(T *out, const T *x, int outer, int r, int inner, int op) {  \
    reduce_block_body<T>(out, x, outer, r, inner, op);                                                      \
  }
REDUCE(f32, float)
REDUCE(f64, double)
REDUCE(i32, int)
REDUCE(u8, u8)

// (value, index) pairs: does candidate (b, kb) replace the best (a, ka)? NaN first, then the better
// value, then the lower index.
__device__ __forceinline__ bool arg_better(int op, double a, int ka, double b, int kb) {
  bool an = a != a, bn = b != b;
  if (an || bn) return bn && (!an || kb < ka);
  if (b == a) return kb < ka;
  return op == 0 ? b > a : b < a;
}

template <class T>
__device__ __forceinline__ void arg_thread_body(int *out, const T *x, int outer, int r, int inner, int op) {
  GRID_STRIDE(q, outer * inner) {
    int o = q / inner, i = q - o * inner;
    const T *p = x + (i64)o * r * inner + i;
    double best = (double)p[0];
    int bk = 0;
    for (int k = 1; k < r && best == best; k++) {
      double v = (double)p[(i64)k * inner];
      if (v != v || (op == 0 ? v > best : v < best)) {
        best = v;
        bk = k;
      }
    }
    out[q] = bk;
  }
}

template <class T>
__device__ __forceinline__ void arg_block_body(int *out, const T *x, int outer, int r, int inner, int op) {
  __shared__ double val[512];
  __shared__ int idx[512];
  for (int q = blockIdx.x; q < outer * inner; q += gridDim.x) {
    int o = q / inner, i = q - o * inner;
    const T *p = x + (i64)o * r * inner + i;
    double best = 0;
    int bk = -1;
    for (int k = threadIdx.x; k < r; k += blockDim.x) {
      double v = (double)p[(i64)k * inner];
      if (bk < 0 || arg_better(op, best, bk, v, k)) {
        best = v;
        bk = k;
      }
    }
    val[threadIdx.x] = best;
    idx[threadIdx.x] = bk;
    __syncthreads();
    for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
      if (threadIdx.x < s) {
        int kb = idx[threadIdx.x + s];
        if (kb >= 0 && (idx[threadIdx.x] < 0 || arg_better(op, val[threadIdx.x], idx[threadIdx.x], val[threadIdx.x + s], kb))) {
          val[threadIdx.x] = val[threadIdx.x + s];
          idx[threadIdx.x] = kb;
        }
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[q] = idx[0] < 0 ? 0 : idx[0];
    __syncthreads();
  }
}

#define ARG_REDUCE(SUFFIX, T)                                                                                  \
  extern "C" __global__ void arg_thread_##SUFFIX(int *out, const T *x, int outer, int r, int inner, int op) { \
    arg_thread_body<T>(out, x, outer, r, inner, op);                                                           \
  }                                                                                                            \
  extern "C" __global__ void arg_block_##SUFFIX(int *out, const T *x, int outer, int r, int inner, int op) {  \
    arg_block_body<T>(out, x, outer, r, inner, op);                                                            \
  }
ARG_REDUCE(f32, float)
ARG_REDUCE(f64, double)
ARG_REDUCE(i32, int)
ARG_REDUCE(u8, u8)
