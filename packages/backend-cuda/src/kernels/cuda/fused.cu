// Fused softmax cross-entropy (a block per row: log-sum-exp, then the loss; backward (softmax − onehot)·g)
// and the LSTM cell's gate math (a thread per hidden unit), in double, rounded once when stored.
// Class targets are range-checked like indices: a bad one reports through the flag and gives a loss
// of 0 and a zero gradient row.

template <class T>
__device__ __forceinline__ double row_lse(const T *x, int c, double *red) {
  double m = -INF_D;
  for (int j = threadIdx.x; j < c; j += blockDim.x) {
    double v = (double)x[j];
    if (v > m) m = v;  // NaN is skipped here, and makes the sum NaN below
  }
  for (int o = 16; o > 0; o >>= 1) m = fmax(m, __shfl_xor_sync(0xffffffffu, m, o));
  __syncthreads();
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = m;
  __syncthreads();
  m = -INF_D;
  for (int w = 0; w < (int)(blockDim.x >> 5); w++) m = fmax(m, red[w]);
  if (m == -INF_D) return m;
  double s = 0;
  for (int j = threadIdx.x; j < c; j += blockDim.x) s += exp((double)x[j] - m);
  s = block_sum(s, red);
  return m + log(s);
}

#define SOFTMAX_XENT(SUFFIX, T)                                                                              \
  extern "C" __global__ void xent_forward_##SUFFIX(T *loss, const T *x, const int *target, int n, int c,     \
                                                   u32 *flag, int site) {                                    \
    __shared__ double red[32];                                                                               \
    for (int r = blockIdx.x; r < n; r += gridDim.x) {                                                        \
      const T *xr = x + (i64)r * c;                                                                          \
      double lse = row_lse<T>(xr, c, red);                                                                   \
      if (threadIdx.x == 0) {                                                                                \
        int t = target[r];                                                                                   \
        loss[r] = index_ok(flag, site, t, r, c) ? (T)(lse - (double)xr[t]) : (T)0;                           \
      }                                                                                                      \
      __syncthreads();                                                                                       \
    }                                                                                                        \
  }                                                                                                          \
  extern "C" __global__ void xent_backward_##SUFFIX(T *dx, const T *x, const int *target, const T *g, int n, \
                                                    int c, u32 *flag, int site) {                            \
    __shared__ double red[32];                                                                               \
    for (int r = blockIdx.x; r < n; r += gridDim.x) {                                                        \
      const T *xr = x + (i64)r * c;                                                                          \
      T *dr = dx + (i64)r * c;                                                                               \
      double lse = row_lse<T>(xr, c, red);                                                                   \
      int t = target[r];                                                                                     \
      bool ok = t >= 0 && t < c;                                                                             \
      if (threadIdx.x == 0) index_ok(flag, site, t, r, c);                                                   \
      double gr = (double)g[r];                                                                              \
      for (int j = threadIdx.x; j < c; j += blockDim.x) {                                                    \
        double d = exp((double)xr[j] - lse) * gr;                                                            \
        if (j == t) d -= gr;                                                                                 \
        dr[j] = ok ? (T)d : (T)0;                                                                            \
      }                                                                                                      \
      __syncthreads();                                                                                       \
    }                                                                                                        \
  }
SOFTMAX_XENT(f32, float)
SOFTMAX_XENT(f64, double)

// lstmCell: gates [B, 4H] (i, f, g, o) and c [B, H] -> h, c'.
#define LSTM_CELL(SUFFIX, T)                                                                                  \
  extern "C" __global__ void lstm_cell_forward_##SUFFIX(T *h, T *cOut, const T *z, const T *c0, int b,       \
                                                        int H) {                                              \
    GRID_STRIDE(q, b * H) {                                                                                   \
      int r = q / H, j = q - r * H;                                                                           \
      const T *zr = z + (i64)r * 4 * H;                                                                       \
      double i = sigmoid_d(zr[j]), f = sigmoid_d(zr[H + j]), g = tanh((double)zr[2 * H + j]),                 \
             o = sigmoid_d(zr[3 * H + j]);                                                                    \
      double c = f * (double)c0[q] + i * g;                                                                   \
      cOut[q] = (T)c;                                                                                         \
      h[q] = (T)(o * tanh(c));                                                                                \
    }                                                                                                         \
  }                                                                                                           \
  extern "C" __global__ void lstm_cell_backward_##SUFFIX(T *dz, T *dc0, const T *z, const T *c0,             \
                                                         const T *c1, const T *gh, const T *gc, int b,        \
                                                         int H) {                                             \
    GRID_STRIDE(q, b * H) {                                                                                   \
      int r = q / H, j = q - r * H;                                                                           \
      const T *zr = z + (i64)r * 4 * H;                                                                       \
      T *dr = dz + (i64)r * 4 * H;                                                                            \
      double i = sigmoid_d(zr[j]), f = sigmoid_d(zr[H + j]), g = tanh((double)zr[2 * H + j]),                 \
             o = sigmoid_d(zr[3 * H + j]);                                                                    \
      double tc = tanh((double)c1[q]);                                                                        \
      double dh = gh ? (double)gh[q] : 0.0;                                                                   \
      double dc = (gc ? (double)gc[q] : 0.0) + dh * o * (1 - tc * tc);                                        \
      dr[j] = (T)(dc * g * i * (1 - i));                                                                      \
      dr[H + j] = (T)(dc * (double)c0[q] * f * (1 - f));                                                      \
      dr[2 * H + j] = (T)(dc * i * (1 - g * g));                                                              \
      dr[3 * H + j] = (T)(dh * tc * o * (1 - o));                                                             \
      dc0[q] = (T)(dc * f);                                                                                   \
    }                                                                                                         \
  }
LSTM_CELL(f32, float)
LSTM_CELL(f64, double)
