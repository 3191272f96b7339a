/*
 * Pointwise and data-movement kernels, with AVX2+FMA on x86-64 (the addon loads only on CPUs that
 * have them) and plain C elsewhere (arm64, where the compiler vectorizes what it can):
 * the LSTM gate pass of one time step (in double, 4 lanes), softmax cross-entropy (float, 8 lanes,
 * Cephes' single-precision exp, about 1 ulp), elementwise add/sub/mul/div, transpose, row gather and
 * scatter-add.
 */
#include "kernels.h"

#include "sgemm.h" /* rnn_parallel_for: the GEMM's threads split the larger pointwise kernels by rows */

#define EXP_HI 88.3762626647949f
#define EXP_LO -87.3365447504f
#define LOG2E 1.44269504088896341f
#define C1 0.693359375f
#define C2 -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f

/* ---------------------------------------------------------------- scalar */

static inline float exp_f(float x) {
  x = x > EXP_HI ? EXP_HI : x;
  x = x < EXP_LO ? EXP_LO : x;
  const float fx = __builtin_floorf(x * LOG2E + 0.5f);
  x = x - fx * C1 - fx * C2;
  const float z = x * x;
  float y = P0;
  y = y * x + P1;
  y = y * x + P2;
  y = y * x + P3;
  y = y * x + P4;
  y = y * x + P5;
  y = y * z + x + 1.f;
  union {
    int i;
    float f;
  } pow2 = {.i = ((int)fx + 127) << 23};
  return y * pow2.f;
}

/* ---------------------------------------------------------------- 8 lanes */

#if RNN_X86
#define AVX2 __attribute__((target("avx2,fma")))
#else
#define AVX2
#endif

#if RNN_X86

AVX2 static inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(x, _mm256_set1_ps(EXP_HI));
  x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LO));
  const __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(LOG2E), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(C1), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(C2), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(P0);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(P1));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(P2));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(P3));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(P4));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(P5));
  y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.f)));
  const __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(n));
}

/* ---------------------------------------------------------------- 4 lanes of double
 * The LSTM step computes in double and rounds once when it stores, as the JavaScript kernel does
 * (Math.exp / Math.tanh on float64 numbers): float32 approximations drift by ~1e-7 absolute per
 * step through the cell state, more than @rnn/nn's tests allow between fused and composite. */

AVX2 static inline __m256d exp4d(__m256d x) {
  x = _mm256_min_pd(x, _mm256_set1_pd(700.0));
  x = _mm256_max_pd(x, _mm256_set1_pd(-700.0));
  const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0.6931471803691238), x);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.9082149292705877e-10), r);
  /* Taylor to degree 12 on |r| <= ln2/2: relative remainder < 1e-15 */
  __m256d p = _mm256_set1_pd(1.0 / 479001600.0);
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 39916800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 3628800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 362880.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 40320.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 5040.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 720.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 120.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 24.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 6.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.5));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  const __m256i e = _mm256_slli_epi64(
      _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n)), _mm256_set1_epi64x(1023)), 52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
}

AVX2 static inline __m256d sigmoid4d(__m256d v) {
  const __m256d one = _mm256_set1_pd(1.0);
  return _mm256_div_pd(one, _mm256_add_pd(one, exp4d(_mm256_sub_pd(_mm256_setzero_pd(), v))));
}

AVX2 static inline __m256d tanh4d(__m256d x) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d a = _mm256_andnot_pd(sign, x);
  /* |x| < 0.55: Taylor series to x^19 (relative remainder < 1e-10; no cancellation) */
  const __m256d z = _mm256_mul_pd(x, x);
  __m256d p = _mm256_set1_pd(-443861162.0 / 1856156927625.0);
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(6404582.0 / 10854718875.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(-929569.0 / 638512875.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(21844.0 / 6081075.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(-1382.0 / 155925.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(62.0 / 2835.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(-17.0 / 315.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(2.0 / 15.0));
  p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(-1.0 / 3.0));
  /* on |x|, with x's sign put back: keeps tanh(-0) = -0 */
  const __m256d small = _mm256_or_pd(_mm256_fmadd_pd(_mm256_mul_pd(p, z), a, a), _mm256_and_pd(sign, x));
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d t = _mm256_sub_pd(one, _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(exp4d(_mm256_add_pd(a, a)), one)));
  const __m256d large = _mm256_or_pd(t, _mm256_and_pd(sign, x));
  return _mm256_blendv_pd(large, small, _mm256_cmp_pd(a, _mm256_set1_pd(0.55), _CMP_LT_OQ));
}

/* 4 floats from p, as doubles */
#define LD(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
/* 4 doubles rounded to floats, stored at p */
#define ST(p, v) _mm_storeu_ps((p), _mm256_cvtpd_ps(v))

/* NaN inputs stay NaN (the polynomial paths clamp their argument first). */
AVX2 static inline __m256d keep_nan4d(__m256d x, __m256d r) {
  return _mm256_blendv_pd(r, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}
#endif /* RNN_X86 */

AVX2 static void lstm_step_rows(int bs, int H, const float *xw, const float *hh, float *c, float *ws, float *h, float *y) {
  const rnn_isize gh = 4L * H, wsw = 5L * H;
  for (rnn_isize j = 0; j < bs; j++) {
    const float *gx = xw + j * gh;
    const float *gr = hh + j * gh;
    float *cj = c + j * H;
    float *w = ws + j * wsw;
    float *hj = h + j * H;
    float *yj = y + j * H;
    int k = 0;
#if RNN_X86
    for (; k + 4 <= H; k += 4) {
#define PRE(q) _mm256_add_pd(LD(gx + (q) * H + k), LD(gr + (q) * H + k))
      const __m256d i = sigmoid4d(PRE(0));
      const __m256d f = sigmoid4d(PRE(1));
      const __m256d g = tanh4d(PRE(2));
      const __m256d o = sigmoid4d(PRE(3));
#undef PRE
      const __m256d cn = _mm256_add_pd(_mm256_mul_pd(f, LD(cj + k)), _mm256_mul_pd(i, g));
      const __m256d hn = _mm256_mul_pd(o, tanh4d(cn));
      ST(cj + k, cn);
      ST(w + k, i);
      ST(w + H + k, f);
      ST(w + 2 * H + k, g);
      ST(w + 3 * H + k, o);
      ST(w + 4 * H + k, cn);
      ST(hj + k, hn);
      ST(yj + k, hn);
    }
#endif
    for (; k < H; k++) {
      const double i = 1.0 / (1.0 + __builtin_exp(-((double)gx[k] + gr[k])));
      const double f = 1.0 / (1.0 + __builtin_exp(-((double)gx[H + k] + gr[H + k])));
      const double g = __builtin_tanh((double)gx[2 * H + k] + gr[2 * H + k]);
      const double o = 1.0 / (1.0 + __builtin_exp(-((double)gx[3 * H + k] + gr[3 * H + k])));
      const double cn = f * cj[k] + i * g;
      const double hn = o * __builtin_tanh(cn);
      cj[k] = (float)cn;
      w[k] = (float)i;
      w[H + k] = (float)f;
      w[2 * H + k] = (float)g;
      w[3 * H + k] = (float)o;
      w[4 * H + k] = (float)cn;
      hj[k] = (float)hn;
      yj[k] = (float)hn;
    }
  }
}

/*
 * Backward of one LSTM time step over bs rows, in double like the JavaScript kernel. ws holds the
 * step's rows (i, f, g, o, c'); the cell state each row started from is row j of prev_ws (a
 * workspace, its c' at 4H) for j < prev_rows, else row j of c0. Reads dh and dc[j, H] (updated in
 * place to the gradient flowing to the previous step) and writes the gate gradients dg[j, 4H].
 */
AVX2 static void lstm_backward_rows(int bs, int H, const float *ws, const float *prev_ws, int prev_rows,
                                   const float *c0, const float *dh, float *dc, float *dg) {
  const rnn_isize wsw = 5L * H, gh = 4L * H;
#if RNN_X86
  const __m256d one = _mm256_set1_pd(1.0);
#endif
  for (rnn_isize j = 0; j < bs; j++) {
    const float *w = ws + j * wsw;
    const float *cold = j < prev_rows ? prev_ws + j * wsw + 4L * H : c0 + j * H;
    const float *dhj = dh + j * H;
    float *dcj = dc + j * H;
    float *d = dg + j * gh;
    int k = 0;
#if RNN_X86
    for (; k + 4 <= H; k += 4) {
      const __m256d i = LD(w + k), f = LD(w + H + k), g = LD(w + 2 * H + k), o = LD(w + 3 * H + k);
      const __m256d cn = LD(w + 4 * H + k), co = LD(cold + k);
      const __m256d tc = tanh4d(cn);
      const __m256d dhk = LD(dhj + k);
      const __m256d dct =
          _mm256_fmadd_pd(_mm256_mul_pd(dhk, o), _mm256_fnmadd_pd(tc, tc, one), LD(dcj + k));
      ST(d + k, _mm256_mul_pd(_mm256_mul_pd(dct, g), _mm256_mul_pd(i, _mm256_sub_pd(one, i))));
      ST(d + H + k, _mm256_mul_pd(_mm256_mul_pd(dct, co), _mm256_mul_pd(f, _mm256_sub_pd(one, f))));
      ST(d + 2 * H + k, _mm256_mul_pd(_mm256_mul_pd(dct, i), _mm256_fnmadd_pd(g, g, one)));
      ST(d + 3 * H + k, _mm256_mul_pd(_mm256_mul_pd(dhk, tc), _mm256_mul_pd(o, _mm256_sub_pd(one, o))));
      ST(dcj + k, _mm256_mul_pd(dct, f));
    }
#endif
    for (; k < H; k++) {
      const double i = w[k], f = w[H + k], g = w[2 * H + k], o = w[3 * H + k], cn = w[4 * H + k];
      const double tc = __builtin_tanh(cn);
      const double dhk = dhj[k];
      const double dct = dcj[k] + dhk * o * (1 - tc * tc);
      d[k] = (float)(dct * g * i * (1 - i));
      d[H + k] = (float)(dct * cold[k] * f * (1 - f));
      d[2 * H + k] = (float)(dct * i * (1 - g * g));
      d[3 * H + k] = (float)(dhk * tc * o * (1 - o));
      dcj[k] = (float)(dct * f);
    }
  }
}

/* Rows are independent in both LSTM passes, so a batch splits across the GEMM's threads; below
 * about this many elements (~20 us of work) one thread is faster than handing half to another. */
#define LSTM_PARALLEL_MIN 2048
#define LSTM_BACKWARD_PARALLEL_MIN 4096

typedef struct {
  int H;
  const float *xw, *hh;
  float *c, *ws, *h, *y;
} lstm_step_job;

static void lstm_step_range(void *ctx, rnn_isize lo, rnn_isize hi) {
  const lstm_step_job *j = ctx;
  const rnn_isize H = j->H;
  lstm_step_rows((int)(hi - lo), j->H, j->xw + lo * 4 * H, j->hh + lo * 4 * H, j->c + lo * H, j->ws + lo * 5 * H,
                 j->h + lo * H, j->y + lo * H);
}

void rnn_lstm_step(int bs, int H, const float *xw, const float *hh, float *c, float *ws, float *h, float *y) {
  lstm_step_job job = {H, xw, hh, c, ws, h, y};
  rnn_parallel_for(bs, 1, (LSTM_PARALLEL_MIN + H - 1) / H, lstm_step_range, &job);
}

typedef struct {
  int H, prev_rows;
  const float *ws, *prev_ws, *c0, *dh;
  float *dc, *dg;
} lstm_backward_job;

static void lstm_backward_range(void *ctx, rnn_isize lo, rnn_isize hi) {
  const lstm_backward_job *j = ctx;
  const rnn_isize H = j->H;
  /* row lo + r of the step is row r of this range: it started from prev_ws's row lo + r while that
   * is under prev_rows, else from c0's */
  lstm_backward_rows((int)(hi - lo), j->H, j->ws + lo * 5 * H, j->prev_ws + lo * 5 * H, j->prev_rows - (int)lo,
                     j->c0 + lo * H, j->dh + lo * H, j->dc + lo * H, j->dg + lo * 4 * H);
}

void rnn_lstm_backward_step(int bs, int H, const float *ws, const float *prev_ws, int prev_rows, const float *c0,
                            const float *dh, float *dc, float *dg) {
  lstm_backward_job job = {H, prev_rows, ws, prev_ws, c0, dh, dc, dg};
  rnn_parallel_for(bs, 1, (LSTM_BACKWARD_PARALLEL_MIN + H - 1) / H, lstm_backward_range, &job);
}

/* ---------------------------------------------------------------- softmax cross-entropy */

/* log(sum(exp(x[0..c)))) with the max subtracted first. */
AVX2 static float row_logsumexp(const float *x, int c) {
  int j = 0;
  float m = -__builtin_inff();
  int has_nan = 0;
#if RNN_X86
  {
    __m256 vm = _mm256_set1_ps(-__builtin_inff());
    __m256 nan = _mm256_setzero_ps();
    for (; j + 8 <= c; j += 8) {
      const __m256 v = _mm256_loadu_ps(x + j);
      vm = _mm256_max_ps(vm, v);
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vm);
    m = lanes[0];
    for (int q = 1; q < 8; q++) m = lanes[q] > m ? lanes[q] : m;
    has_nan = _mm256_movemask_ps(nan) != 0;
  }
#endif
  for (; j < c; j++) {
    m = x[j] > m ? x[j] : m;
    has_nan |= x[j] != x[j];
  }
  /* as the JavaScript kernel: NaN anywhere, or a +inf logit (inf - inf), gives NaN; all -inf gives -inf */
  if (has_nan || m == __builtin_inff()) return __builtin_nanf("");
  if (m == -__builtin_inff()) return m;
  double s = 0;
  j = 0;
#if RNN_X86
  {
    const __m256 mv = _mm256_set1_ps(m);
    __m256 vs = _mm256_setzero_ps();
    for (; j + 8 <= c; j += 8) vs = _mm256_add_ps(vs, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), mv)));
    float lanes[8];
    _mm256_storeu_ps(lanes, vs);
    for (int q = 0; q < 8; q++) s += lanes[q];
  }
#endif
  for (; j < c; j++) s += exp_f(x[j] - m);
  return m + (float)__builtin_log(s);
}

AVX2 void rnn_softmax_xent(int n, int c, const float *logits, const int *target, float *loss) {
  for (rnn_isize r = 0; r < n; r++) {
    const float *x = logits + r * c;
    loss[r] = row_logsumexp(x, c) - x[target[r]];
  }
}

AVX2 void rnn_softmax_xent_backward(int n, int c, const float *logits, const int *target, const float *gy,
                                    float *dx) {
  for (rnn_isize r = 0; r < n; r++) {
    const float *x = logits + r * c;
    float *d = dx + r * c;
    const float lse = row_logsumexp(x, c);
    const float g = gy[r];
#if RNN_X86
    const __m256 lv = _mm256_set1_ps(lse), gv = _mm256_set1_ps(g);
#endif
    int j = 0;
    if (lse - lse != 0.f) { /* not finite: the exact scalar formula, NaN and inf included */
      for (; j < c; j++) d[j] = __builtin_expf(x[j] - lse) * g;
      d[target[r]] -= g;
      continue;
    }
#if RNN_X86
    for (; j + 8 <= c; j += 8)
      _mm256_storeu_ps(d + j, _mm256_mul_ps(exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), lv)), gv));
#endif
    for (; j < c; j++) d[j] = exp_f(x[j] - lse) * g;
    d[target[r]] -= g;
  }
}

/* ---------------------------------------------------------------- data movement */

AVX2 void rnn_binary(int op, rnn_isize n, const float *restrict a, const float *restrict b, float *restrict out) {
  switch (op) {
    case 0:
      for (rnn_isize i = 0; i < n; i++) out[i] = a[i] + b[i];
      break;
    case 1:
      for (rnn_isize i = 0; i < n; i++) out[i] = a[i] - b[i];
      break;
    case 2:
      for (rnn_isize i = 0; i < n; i++) out[i] = a[i] * b[i];
      break;
    default:
      for (rnn_isize i = 0; i < n; i++) out[i] = a[i] / b[i];
      break;
  }
}

/* op(x) over n floats, computed in double and rounded once (as Math.tanh / Math.exp on a float32
 * value): op 0 tanh, 1 sigmoid, 2 exp. */
AVX2 static void unary_serial(int op, rnn_isize n, const float *x, float *out) {
  rnn_isize i = 0;
#if RNN_X86
  for (; i + 4 <= n; i += 4) {
    const __m256d v = LD(x + i);
    const __m256d r = op == 0 ? tanh4d(v) : op == 1 ? sigmoid4d(v) : exp4d(v);
    ST(out + i, keep_nan4d(v, r));
  }
#endif
  for (; i < n; i++) {
    const double v = x[i];
    out[i] = (float)(op == 0 ? __builtin_tanh(v) : op == 1 ? 1.0 / (1.0 + __builtin_exp(-v)) : __builtin_exp(v));
  }
}

/* The polynomials cost ~1.2 ns per element, so the threads split them from a few microseconds of
 * work (measured on Zen 4, 2 threads: 1.9x at 4096 elements, 1.95x from 16384). Memory-bound
 * kernels (add, copies, gathers) are left on one thread: below the L2's size a second core only
 * pulls the data over from the first (no faster up to 65536 elements in the same test). */
#define UNARY_PARALLEL_MIN 4096

typedef struct {
  int op;
  const float *x;
  float *out;
} unary_job;

static void unary_range(void *ctx, rnn_isize lo, rnn_isize hi) {
  const unary_job *j = ctx;
  unary_serial(j->op, hi - lo, j->x + lo, j->out + lo);
}

void rnn_unary(int op, rnn_isize n, const float *x, float *out) {
  unary_job job = {op, x, out};
  rnn_parallel_for(n, 16, UNARY_PARALLEL_MIN, unary_range, &job);
}

/* The gradient of tanh (op 0: g·(1 − y²)) or sigmoid (op 1: g·y·(1 − y)) from the output y, in double. */
AVX2 void rnn_unary_grad(int op, rnn_isize n, const float *y, const float *g, float *out) {
  rnn_isize i = 0;
#if RNN_X86
  const __m256d one = _mm256_set1_pd(1.0);
  for (; i + 4 <= n; i += 4) {
    const __m256d v = LD(y + i);
    const __m256d d = op == 0 ? _mm256_sub_pd(one, _mm256_mul_pd(v, v)) : _mm256_mul_pd(v, _mm256_sub_pd(one, v));
    ST(out + i, _mm256_mul_pd(LD(g + i), d));
  }
#endif
  for (; i < n; i++) {
    const double v = y[i];
    out[i] = (float)((double)g[i] * (op == 0 ? 1.0 - v * v : v * (1.0 - v)));
  }
}

/* Row broadcasting: out[r, j] = a[r, j] op b[j] (row_operand 1) or a[j] op b[r, j] (row_operand 0). */
void rnn_binary_rows(int op, rnn_isize rows, rnn_isize n, const float *a, const float *b, float *out, int row_operand) {
  for (rnn_isize r = 0; r < rows; r++) {
    const float *ar = row_operand == 0 ? a : a + r * n;
    const float *br = row_operand == 1 ? b : b + r * n;
    rnn_binary(op, n, ar, br, out + r * n);
  }
}

/* out[i * cols + j] = x[i + j * colStride] for a rows x cols output, in 8 x 8 tiles. */
AVX2 void rnn_transpose(rnn_isize rows, rnn_isize cols, const float *restrict x, rnn_isize colStride, float *restrict out) {
  const rnn_isize T = 32;
  for (rnn_isize i0 = 0; i0 < rows; i0 += T) {
    const rnn_isize i1 = i0 + T < rows ? i0 + T : rows;
    for (rnn_isize j0 = 0; j0 < cols; j0 += T) {
      const rnn_isize j1 = j0 + T < cols ? j0 + T : cols;
      for (rnn_isize i = i0; i < i1; i++) {
        float *o = out + i * cols;
        const float *s = x + i;
        for (rnn_isize j = j0; j < j1; j++) o[j] = s[j * colStride];
      }
    }
  }
}

void rnn_index_select(rnn_isize outer, rnn_isize n, rnn_isize inner, const float *x, const int *index, rnn_isize m, float *out) {
  for (rnn_isize o = 0; o < outer; o++)
    for (rnn_isize i = 0; i < m; i++)
      __builtin_memcpy(out + (o * m + i) * inner, x + (o * n + index[i]) * inner, inner * sizeof(float));
}

/* out (contiguous, `shape`) = x[offset + sum(idx_d * strides_d)]: a strided copy, row by row. */
void rnn_strided(int rank, const rnn_isize *shape, const rnn_isize *strides, rnn_isize offset, const float *x, float *out) {
  for (int d = 0; d < rank; d++)
    if (shape[d] == 0) return;
  if (rank == 0) {
    out[0] = x[offset];
    return;
  }
  rnn_isize idx[RNN_STRIDED_MAX_RANK] = {0};
  const rnn_isize n = shape[rank - 1], s = strides[rank - 1];
  rnn_isize src = offset;
  for (;;) {
    if (s == 1) __builtin_memcpy(out, x + src, n * sizeof(float));
    else
      for (rnn_isize j = 0; j < n; j++) out[j] = x[src + j * s];
    out += n;
    int d = rank - 2;
    for (; d >= 0; d--) {
      src += strides[d];
      if (++idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

AVX2 void rnn_index_add(rnn_isize outer, rnn_isize n, rnn_isize inner, const int *index, rnn_isize m, const float *restrict src,
                        float *restrict out) {
  for (rnn_isize o = 0; o < outer; o++)
    for (rnn_isize i = 0; i < m; i++) {
      float *restrict d = out + (o * n + index[i]) * inner;
      const float *restrict s = src + (o * m + i) * inner;
      for (rnn_isize j = 0; j < inner; j++) d[j] += s[j];
    }
}

void rnn_concat_rows(rnn_isize outer, int nparts, const float *const *parts, const rnn_isize *blocks, float *out) {
  for (rnn_isize o = 0; o < outer; o++)
    for (int k = 0; k < nparts; k++) {
      if (blocks[k] == 0) continue;
      __builtin_memcpy(out, parts[k] + o * blocks[k], blocks[k] * sizeof(float));
      out += blocks[k];
    }
}

/* ---------------------------------------------------------------- sums */

/* out[o, i] = sum over k of x[o, k, i] for x [outer, r, inner]: each sum in double in the order of k,
 * rounded once, as the JavaScript kernel (a Float64Array row of sums), so bit for bit its results.
 * Columns in blocks whose double sums stay in L1 while the rows stream past. */
#define SUM_BLOCK 512

AVX2 static void sum_middle_cols(rnn_isize outer, rnn_isize r, rnn_isize inner, const float *restrict x,
                                 float *restrict out, rnn_isize i0, rnn_isize i1) {
  double acc[SUM_BLOCK];
  for (rnn_isize o = 0; o < outer; o++) {
    const float *xo = x + o * r * inner;
    for (rnn_isize b0 = i0; b0 < i1; b0 += SUM_BLOCK) {
      const rnn_isize w = i1 - b0 < SUM_BLOCK ? i1 - b0 : SUM_BLOCK;
      for (rnn_isize i = 0; i < w; i++) acc[i] = 0;
      for (rnn_isize k = 0; k < r; k++) {
        const float *row = xo + k * inner + b0;
        for (rnn_isize i = 0; i < w; i++) acc[i] += row[i];
      }
      for (rnn_isize i = 0; i < w; i++) out[o * inner + b0 + i] = (float)acc[i];
    }
  }
}

static void sum_middle(rnn_isize outer, rnn_isize r, rnn_isize inner, const float *x, float *out, rnn_isize i0,
                       rnn_isize i1) {
  if (inner == 1) { /* one running sum per row: in order, as JavaScript adds */
    for (rnn_isize o = 0; o < outer; o++) {
      double s = 0;
      for (rnn_isize k = 0; k < r; k++) s += x[o * r + k];
      out[o] = (float)s;
    }
    return;
  }
  sum_middle_cols(outer, r, inner, x, out, i0, i1);
}

typedef struct {
  rnn_isize outer, r, inner;
  const float *x;
  float *out;
  int by_cols;
} sum_job;

/* A range of columns (every sum keeps its order), or of the outer rows. */
static void sum_range(void *ctx, rnn_isize lo, rnn_isize hi) {
  const sum_job *j = ctx;
  if (j->by_cols) sum_middle(j->outer, j->r, j->inner, j->x, j->out, lo, hi);
  else sum_middle(hi - lo, j->r, j->inner, j->x + lo * j->r * j->inner, j->out + lo * j->inner, 0, j->inner);
}

/* Memory-bound: split only past the L2 of one core. */
#define SUM_PARALLEL_MIN (1 << 20)

void rnn_sum_middle(rnn_isize outer, rnn_isize r, rnn_isize inner, const float *x, float *out) {
  sum_job job = {outer, r, inner, x, out, inner >= 64};
  if (outer * r * inner < SUM_PARALLEL_MIN) sum_middle(outer, r, inner, x, out, 0, inner);
  else if (job.by_cols) rnn_parallel_for(inner, 16, 32, sum_range, &job);
  else rnn_parallel_for(outer, 1, 2, sum_range, &job);
}

/* ---------------------------------------------------------------- optimizer updates (in double) */

AVX2 static void adam_range_serial(rnn_isize n, const float *restrict p, const float *restrict g,
                                   const float *restrict m, const float *restrict v, float *restrict p1,
                                   float *restrict m1, float *restrict v1, double beta1, double beta2,
                                   double step_size, double bias2_sqrt, double eps) {
  const double c1 = 1 - beta1, c2 = 1 - beta2;
  rnn_isize i = 0;
#if RNN_X86
  /* The same operations in the same order, four lanes at a time (GCC leaves the scalar loop
   * unvectorized: sqrt may set errno): bit for bit the scalar results, 4x faster on Zen 4. */
  const __m256d b1 = _mm256_set1_pd(beta1), k1 = _mm256_set1_pd(c1), b2 = _mm256_set1_pd(beta2),
                k2 = _mm256_set1_pd(c2), bs = _mm256_set1_pd(bias2_sqrt), ep = _mm256_set1_pd(eps),
                ss = _mm256_set1_pd(step_size);
  for (; i + 4 <= n; i += 4) {
    const __m256d gi = LD(g + i);
    const __m256d mi = _mm256_add_pd(_mm256_mul_pd(LD(m + i), b1), _mm256_mul_pd(gi, k1));
    const __m256d vi = _mm256_add_pd(_mm256_mul_pd(LD(v + i), b2), _mm256_mul_pd(_mm256_mul_pd(gi, k2), gi));
    ST(m1 + i, mi);
    ST(v1 + i, vi);
    const __m256d den = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(vi), bs), ep);
    ST(p1 + i, _mm256_sub_pd(LD(p + i), _mm256_mul_pd(_mm256_div_pd(mi, den), ss)));
  }
#endif
  for (; i < n; i++) {
    const double gi = g[i];
    const double mi = m[i] * beta1 + gi * c1;
    const double vi = v[i] * beta2 + gi * c2 * gi;
    m1[i] = (float)mi;
    v1[i] = (float)vi;
    p1[i] = (float)(p[i] - (mi / (__builtin_sqrt(vi) / bias2_sqrt + eps)) * step_size);
  }
}

typedef struct {
  const float *p, *g, *m, *v;
  float *p1, *m1, *v1;
  double beta1, beta2, step_size, bias2_sqrt, eps;
} adam_job;

static void adam_range(void *ctx, rnn_isize lo, rnn_isize hi) {
  const adam_job *j = ctx;
  adam_range_serial(hi - lo, j->p + lo, j->g + lo, j->m + lo, j->v + lo, j->p1 + lo, j->m1 + lo, j->v1 + lo, j->beta1,
                    j->beta2, j->step_size, j->bias2_sqrt, j->eps);
}

/* Memory-bound (seven streams): a large parameter is split across the threads, at 64-byte multiples. */
void rnn_adam(rnn_isize n, const float *p, const float *g, const float *m, const float *v, float *p1, float *m1,
              float *v1, double beta1, double beta2, double step_size, double bias2_sqrt, double eps) {
  adam_job job = {p, g, m, v, p1, m1, v1, beta1, beta2, step_size, bias2_sqrt, eps};
  rnn_parallel_for(n, 16, 16384, adam_range, &job);
}

AVX2 void rnn_sgd(rnn_isize n, const float *restrict p, const float *restrict g, const float *restrict buf,
                  float *restrict p1, float *restrict buf1, double lr, double momentum, double damp, double wd,
                  double sign, int first, int nesterov) {
  if (momentum == 0) {
    for (rnn_isize i = 0; i < n; i++) p1[i] = (float)(p[i] - (sign * g[i] + wd * p[i]) * lr);
    return;
  }
  for (rnn_isize i = 0; i < n; i++) {
    const double d = sign * g[i] + wd * p[i];
    const double b = first ? d : buf[i] * momentum + d * damp;
    buf1[i] = (float)b;
    p1[i] = (float)(p[i] - (nesterov ? d + b * momentum : b) * lr);
  }
}

/* ---------------------------------------------------------------- random numbers */

/* Uniform [0, 1) float32 values from Philox-4x32-10 under (k0, k1): element i is lane i % 4 of
 * block counter + i / 4, as (word >> 8) * 2^-24, bit for bit the same as @rnn/tensor's generator. */
void rnn_philox_uniform(rnn_isize n, unsigned long long counter, unsigned k0, unsigned k1, float *out) {
  for (rnn_isize block = 0; block * 4 < n; block++) {
    const unsigned long long ctr = counter + (unsigned long long)block;
    unsigned c0 = (unsigned)ctr, c1 = (unsigned)(ctr >> 32), c2 = 0, c3 = 0, a = k0, b = k1;
    for (int r = 0; r < 10; r++) {
      const unsigned long long p0 = (unsigned long long)0xd2511f53u * c0;
      const unsigned long long p1 = (unsigned long long)0xcd9e8d57u * c2;
      const unsigned n0 = (unsigned)(p1 >> 32) ^ c1 ^ a;
      const unsigned n2 = (unsigned)(p0 >> 32) ^ c3 ^ b;
      c1 = (unsigned)p1;
      c3 = (unsigned)p0;
      c0 = n0;
      c2 = n2;
      a += 0x9e3779b9u;
      b += 0xbb67ae85u;
    }
    const unsigned w[4] = {c0, c1, c2, c3};
    const rnn_isize base = block * 4;
    for (int j = 0; j < 4 && base + j < n; j++) out[base + j] = (float)(w[j] >> 8) * (1.0f / 16777216.0f);
  }
}
