// Layer norm over the last d elements of each row: a block per row (sums in double: the mean, then
// the biased variance of the centred values, then the affine map), as the CPU kernel. Backward in
// closed form per row, plus a thread per column for dweight / dbias (rows summed in order).
// Optional operands (weight, bias, the gradients of y / mean / rstd) are null pointers when absent.

#define LAYER_NORM(SUFFIX, T)                                                                                 \
  extern "C" __global__ void layer_norm_forward_##SUFFIX(T *y, T *mean, T *rstd, const T *x, const T *w,     \
                                                         const T *b, int rows, int d, double eps) {           \
    __shared__ double red[32];                                                                                \
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {                                                      \
      const T *xr = x + (i64)r * d;                                                                           \
      double s = 0;                                                                                           \
      for (int j = threadIdx.x; j < d; j += blockDim.x) s += (double)xr[j];                                   \
      double mu = block_sum(s, red) / d;                                                                      \
      double v = 0;                                                                                           \
      for (int j = threadIdx.x; j < d; j += blockDim.x) {                                                     \
        double c = (double)xr[j] - mu;                                                                        \
        v += c * c;                                                                                           \
      }                                                                                                       \
      double sd = sqrt(block_sum(v, red) / d + eps);                                                          \
      if (threadIdx.x == 0) {                                                                                 \
        mean[r] = (T)mu;                                                                                      \
        rstd[r] = (T)(1.0 / sd);                                                                              \
      }                                                                                                       \
      for (int j = threadIdx.x; j < d; j += blockDim.x) {                                                     \
        double o = ((double)xr[j] - mu) / sd;                                                                 \
        if (w) o *= (double)w[j];                                                                             \
        if (b) o += (double)b[j];                                                                             \
        y[(i64)r * d + j] = (T)o;                                                                             \
      }                                                                                                       \
    }                                                                                                         \
  }                                                                                                           \
  extern "C" __global__ void layer_norm_backward_##SUFFIX(T *dx, const T *x, const T *w, const T *mean,      \
                                                          const T *rstd, const T *gy, const T *gMean,         \
                                                          const T *gRstd, int rows, int d) {                  \
    __shared__ double red[32];                                                                                \
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {                                                      \
      const T *xr = x + (i64)r * d;                                                                           \
      double mu = (double)mean[r], rs = (double)rstd[r];                                                      \
      double sg = 0, sgx = 0;                                                                                 \
      if (gy) {                                                                                               \
        for (int j = threadIdx.x; j < d; j += blockDim.x) {                                                   \
          double xhat = ((double)xr[j] - mu) * rs;                                                            \
          double g = (double)gy[(i64)r * d + j] * (w ? (double)w[j] : 1.0);                                   \
          sg += g;                                                                                            \
          sgx += g * xhat;                                                                                    \
        }                                                                                                     \
        sg = block_sum(sg, red);                                                                              \
        sgx = block_sum(sgx, red);                                                                            \
      }                                                                                                       \
      double mg = sg / d, mgx = sgx / d;                                                                      \
      double fromMean = gMean ? (double)gMean[r] / d : 0.0;                                                   \
      double fromRstd = gRstd ? (-(double)gRstd[r] * rs * rs * rs) / d : 0.0;                                 \
      for (int j = threadIdx.x; j < d; j += blockDim.x) {                                                     \
        double c = (double)xr[j] - mu;                                                                        \
        double o = fromMean + fromRstd * c;                                                                   \
        if (gy) o += rs * ((double)gy[(i64)r * d + j] * (w ? (double)w[j] : 1.0) - mg - c * rs * mgx);        \
        dx[(i64)r * d + j] = (T)o;                                                                            \
      }                                                                                                       \
      __syncthreads();                                                                                        \
    }                                                                                                         \
  }                                                                                                           \
  extern "C" __global__ void layer_norm_params_##SUFFIX(T *dw, T *db, const T *x, const T *mean,             \
                                                        const T *rstd, const T *gy, int rows, int d) {        \
    GRID_STRIDE(j, d) {                                                                                       \
      double aw = 0, ab = 0;                                                                                  \
      for (int r = 0; r < rows; r++) {                                                                        \
        double g = (double)gy[(i64)r * d + j];                                                                \
        aw += g * (((double)x[(i64)r * d + j] - (double)mean[r]) * (double)rstd[r]);                          \
        ab += g;                                                                                              \
      }                                                                                                       \
      if (dw) dw[j] = (T)aw;                                                                                  \
      if (db) db[j] = (T)ab;                                                                                  \
    }                                                                                                         \
  }
LAYER_NORM(f32, float)
LAYER_NORM(f64, double)
