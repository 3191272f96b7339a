// Softmax / log-softmax along the middle axis of [outer, n, inner], subtracting the max (NaN
// propagates; a row of -Infinity uses 0 as its max), sums in double, as the CPU backend. A block per
// row when inner == 1 (the usual last-axis softmax); otherwise a thread per (outer, inner) column.

template <class T>
__device__ __forceinline__ void softmax_column(T *out, const T *x, i64 base, int n, int inner, int log_) {
  double m = -INF_D;
  for (int k = 0; k < n; k++) {
    double v = (double)x[base + (i64)k * inner];
    if (v > m || v != v) m = v;
  }
  if (m == -INF_D) m = 0;
  double s = 0;
  for (int k = 0; k < n; k++) s += exp((double)x[base + (i64)k * inner] - m);
  if (log_) {
    double lse = m + log(s);
    for (int k = 0; k < n; k++) out[base + (i64)k * inner] = (T)((double)x[base + (i64)k * inner] - lse);
  } else {
    double inv = 1.0 / s;
    for (int k = 0; k < n; k++) out[base + (i64)k * inner] = (T)(exp((double)x[base + (i64)k * inner] - m) * inv);
  }
}

template <class T>
__device__ __forceinline__ void softmax_rows(T *out, const T *x, int rows, int n, int log_) {
  __shared__ double red[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *xr = x + (i64)r * n;
    T *orow = out + (i64)r * n;
    // max, NaN propagating: a NaN anywhere makes the row NaN (its sum is NaN below)
    double m = -INF_D;
    bool nan = false;
    for (int k = threadIdx.x; k < n; k += blockDim.x) {
      double v = (double)xr[k];
      if (v != v) nan = true;
      else if (v > m) m = v;
    }
    for (int o = 16; o > 0; o >>= 1) {
      m = fmax(m, __shfl_xor_sync(0xffffffffu, m, o));
      nan = __any_sync(0xffffffffu, nan);
    }
    __syncthreads();
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = nan ? NAN_D : m;
    __syncthreads();
    m = -INF_D;
    for (int w = 0; w < (int)(blockDim.x >> 5); w++) {
      double v = red[w];
      if (v != v || v > m) m = v;
      if (m != m) break;
    }
    if (m == -INF_D) m = 0;
    double s = 0;
    for (int k = threadIdx.x; k < n; k += blockDim.x) s += exp((double)xr[k] - m);
    s = block_sum(s, red);
    if (log_) {
      double lse = m + log(s);
      for (int k = threadIdx.x; k < n; k += blockDim.x) orow[k] = (T)((double)xr[k] - lse);
    } else {
      double inv = 1.0 / s;
      for (int k = threadIdx.x; k < n; k += blockDim.x) orow[k] = (T)(exp((double)xr[k] - m) * inv);
    }
    __syncthreads();
  }
}

#define SOFTMAX(SUFFIX, T)                                                                                   \
  extern "C" __global__ void softmax_rows_##SUFFIX(T *out, const T *x, int rows, int n, int log_) {         \
    softmax_rows<T>(out, x, rows, n, log_);                                                                  \
  }                                                                                                          \
  extern "C" __global__ void softmax_cols_##SUFFIX(T *out, const T *x, int outer, int n, int inner, int log_) { \
    GRID_STRIDE(q, outer * inner) {                                                                          \
      int o = q / inner, i = q - o * inner;                                                                  \
      softmax_column<T>(out, x, (i64)o * n * inner + i, n, inner, log_);                                     \
    }                                                                                                        \
  }
SOFTMAX(f32, float)
SOFTMAX(f64, double)
