// The pointwise parts of the fused rnnLayer (one direction of an LSTM / GRU / Elman layer over a
// packed sequence; src/kernels/rnn-layer.ts drives them): per time step one GEMM (cuBLAS) then one of
// these gate kernels, a thread per (batch row, hidden unit). Pointers to a step's rows are already
// offset to the step's first packed row. Formulas and the workspace layout are the CPU kernel's
// (LSTM: i, f, g, o, c' per row; GRU: r, z, n, W_hn h + b_hn), in double, rounded once when stored.

// xw[r, k] = bIh[k] (+ bHh[k]): every packed row starts as the bias before x·W_ihᵀ is accumulated.
#define RNN_COMMON(SUFFIX, T)                                                                                \
  extern "C" __global__ void rnn_bias_rows_##SUFFIX(T *xw, const T *bIh, const T *bHh, int n, int gh) {     \
    GRID_STRIDE(q, n * gh) {                                                                                 \
      int k = q % gh;                                                                                        \
      xw[q] = (T)((double)bIh[k] + (bHh ? (double)bHh[k] : 0.0));                                            \
    }                                                                                                        \
  }                                                                                                          \
  /* hPrev[r] = the state row r started from: y[prev[r]], or h0[-1 - prev[r]] for the initial state. */     \
  extern "C" __global__ void rnn_prev_rows_##SUFFIX(T *hPrev, const T *y, const T *h0, const int *prev,     \
                                                    int n, int width) {                                      \
    GRID_STRIDE(q, n * width) {                                                                              \
      int r = q / width, k = q - r * width;                                                                  \
      int p = prev[r];                                                                                       \
      hPrev[q] = p >= 0 ? y[(i64)p * width + k] : h0[(i64)(-1 - p) * width + k];                             \
    }                                                                                                        \
  }                                                                                                          \
  /* out = a + b (b may be null): the state gradient plus this step's output gradient. */                  \
  extern "C" __global__ void rnn_add_##SUFFIX(T *out, const T *a, const T *b, int n) {                      \
    GRID_STRIDE(q, n) out[q] = b ? (T)((double)a[q] + (double)b[q]) : a[q];                                  \
  }

#define LSTM_STEP(SUFFIX, T)                                                                                 \
  /* h (or hRaw with a projection: y is then null and written after the projection GEMM). */               \
  extern "C" __global__ void lstm_step_forward_##SUFFIX(const T *xw, const T *hh, T *c, T *ws, T *h, T *y,  \
                                                        int bs, int H) {                                     \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      int j = q / H, k = q - j * H;                                                                          \
      const T *gx = xw + (i64)j * 4 * H, *gr = hh + (i64)j * 4 * H;                                          \
      double i = sigmoid_d((double)gx[k] + (double)gr[k]);                                                   \
      double f = sigmoid_d((double)gx[H + k] + (double)gr[H + k]);                                           \
      double g = tanh((double)gx[2 * H + k] + (double)gr[2 * H + k]);                                        \
      double o = sigmoid_d((double)gx[3 * H + k] + (double)gr[3 * H + k]);                                   \
      double cn = f * (double)c[q] + i * g;                                                                  \
      c[q] = (T)cn;                                                                                          \
      double hn = o * tanh(cn);                                                                              \
      T *w = ws + (i64)j * 5 * H;                                                                            \
      w[k] = (T)i;                                                                                           \
      w[H + k] = (T)f;                                                                                       \
      w[2 * H + k] = (T)g;                                                                                   \
      w[3 * H + k] = (T)o;                                                                                   \
      w[4 * H + k] = (T)cn;                                                                                  \
      h[q] = (T)hn;                                                                                          \
      if (y) y[q] = (T)hn;                                                                                   \
    }                                                                                                        \
  }                                                                                                          \
  /* prev: per packed row of this step, the row it started from (ws row) or -1 - j (c0 row j). */          \
  extern "C" __global__ void lstm_step_backward_##SUFFIX(T *dG, const T *wsAll, int off, const int *prev,    \
                                                         const T *c0, const T *dhr, T *dc, T *hRaw, int bs,  \
                                                         int H) {                                            \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      int j = q / H, k = q - j * H;                                                                          \
      const T *w = wsAll + (i64)(off + j) * 5 * H;                                                           \
      double i = (double)w[k], f = (double)w[H + k], g = (double)w[2 * H + k], o = (double)w[3 * H + k];    \
      double cn = (double)w[4 * H + k];                                                                      \
      int p = prev[j];                                                                                       \
      double cOld = p >= 0 ? (double)wsAll[(i64)p * 5 * H + 4 * H + k] : (double)c0[(i64)(-1 - p) * H + k]; \
      double tc = tanh(cn);                                                                                  \
      double dhk = (double)dhr[q];                                                                           \
      double dct = (double)dc[q] + dhk * o * (1 - tc * tc);                                                  \
      T *d = dG + (i64)j * 4 * H;                                                                            \
      d[k] = (T)(dct * g * i * (1 - i));                                                                     \
      d[H + k] = (T)(dct * cOld * f * (1 - f));                                                              \
      d[2 * H + k] = (T)(dct * i * (1 - g * g));                                                             \
      d[3 * H + k] = (T)(dhk * tc * o * (1 - o));                                                            \
      dc[q] = (T)(dct * f);                                                                                  \
      if (hRaw) hRaw[q] = (T)(o * tc);                                                                       \
    }                                                                                                        \
  }

#define GRU_STEP(SUFFIX, T)                                                                                  \
  extern "C" __global__ void gru_step_forward_##SUFFIX(const T *xw, const T *hh, const T *bHh, T *h, T *ws,  \
                                                       T *y, int bs, int H) {                                \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      int j = q / H, k = q - j * H;                                                                          \
      const T *gx = xw + (i64)j * 3 * H, *gr = hh + (i64)j * 3 * H;                                          \
      double ghn = (double)gr[2 * H + k] + (bHh ? (double)bHh[2 * H + k] : 0.0);                             \
      double r = sigmoid_d((double)gx[k] + (double)gr[k] + (bHh ? (double)bHh[k] : 0.0));                   \
      double z = sigmoid_d((double)gx[H + k] + (double)gr[H + k] + (bHh ? (double)bHh[H + k] : 0.0));       \
      double cand = tanh((double)gx[2 * H + k] + r * ghn);                                                   \
      double hn = cand + z * ((double)h[q] - cand);                                                          \
      T *w = ws + (i64)j * 4 * H;                                                                            \
      w[k] = (T)r;                                                                                           \
      w[H + k] = (T)z;                                                                                       \
      w[2 * H + k] = (T)cand;                                                                                \
      w[3 * H + k] = (T)ghn;                                                                                 \
      h[q] = (T)hn;                                                                                          \
      y[q] = (T)hn;                                                                                          \
    }                                                                                                        \
  }                                                                                                          \
  /* dGi, dGh, ws and hPrev at this step's rows; dh (the state gradient, rows j < bs) gets the direct      \
     path dh·z here, and the W_hh path is accumulated onto it by the following GEMM. */                     \
  extern "C" __global__ void gru_step_backward_##SUFFIX(T *dGi, T *dGh, const T *ws, const T *dht,          \
                                                        const T *hPrev, T *dh, int bs, int H) {              \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      int j = q / H, k = q - j * H;                                                                          \
      const T *w = ws + (i64)j * 4 * H;                                                                      \
      double r = (double)w[k], z = (double)w[H + k], cand = (double)w[2 * H + k], ghn = (double)w[3 * H + k]; \
      double dhk = (double)dht[q];                                                                           \
      double dn = dhk * (1 - z) * (1 - cand * cand);                                                         \
      double dz = dhk * ((double)hPrev[q] - cand) * z * (1 - z);                                             \
      double dr = dn * ghn * r * (1 - r);                                                                    \
      T *a = dGi + (i64)j * 3 * H, *b = dGh + (i64)j * 3 * H;                                                \
      a[k] = (T)dr;                                                                                          \
      a[H + k] = (T)dz;                                                                                      \
      a[2 * H + k] = (T)dn;                                                                                  \
      b[k] = (T)dr;                                                                                          \
      b[H + k] = (T)dz;                                                                                      \
      b[2 * H + k] = (T)(dn * r);                                                                            \
      dh[q] = (T)(dhk * z);                                                                                  \
    }                                                                                                        \
  }

#define ELMAN_STEP(SUFFIX, T)                                                                                \
  extern "C" __global__ void elman_step_forward_##SUFFIX(const T *xw, const T *hh, T *h, T *y, int bs,      \
                                                         int H, int relu) {                                  \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      double pre = (double)xw[q] + (double)hh[q];                                                            \
      double hn = relu ? (pre > 0 ? pre : 0.0) : tanh(pre);                                                  \
      h[q] = (T)hn;                                                                                          \
      y[q] = (T)hn;                                                                                          \
    }                                                                                                        \
  }                                                                                                          \
  extern "C" __global__ void elman_step_backward_##SUFFIX(T *dG, const T *y, const T *dht, int bs, int H,   \
                                                          int relu) {                                        \
    GRID_STRIDE(q, bs * H) {                                                                                 \
      double v = (double)y[q];                                                                               \
      dG[q] = (T)((double)dht[q] * (relu ? (v > 0 ? 1.0 : 0.0) : 1 - v * v));                                \
    }                                                                                                        \
  }

RNN_COMMON(f32, float)
RNN_COMMON(f64, double)
LSTM_STEP(f32, float)
LSTM_STEP(f64, double)
GRU_STEP(f32, float)
GRU_STEP(f64, double)
ELMAN_STEP(f32, float)
ELMAN_STEP(f64, double)
