/*
 * Pointwise kernels of the recurrent layers: the LSTM gate pass of one time step, 8 lanes at a time
 * with AVX2+FMA (the addon loads only on CPUs that have them). exp and tanh are Cephes'
 * single-precision approximations (about 1 ulp); the tail runs the same formulas in scalar code.
 */
#include "kernels.h"

#include <immintrin.h>

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
#define T0 -5.70498872745e-3f
#define T1 2.06390887954e-2f
#define T2 -5.37397155531e-2f
#define T3 1.33314422036e-1f
#define T4 -3.33332819422e-1f

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

static inline float sigmoid_f(float v) { return 1.f / (1.f + exp_f(-v)); }

static inline float tanh_f(float x) {
  const float a = x < 0.f ? -x : x;
  if (a < 0.625f) { /* odd polynomial near 0: no cancellation */
    const float z = x * x;
    float p = T0;
    p = p * z + T1;
    p = p * z + T2;
    p = p * z + T3;
    p = p * z + T4;
    return p * z * x + x;
  }
  const float t = 1.f - 2.f / (exp_f(2.f * a) + 1.f);
  return x < 0.f ? -t : t;
}

/* ---------------------------------------------------------------- 8 lanes */

#define AVX2 __attribute__((target("avx2,fma")))

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

AVX2 static inline __m256 sigmoid8(__m256 v) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
}

AVX2 static inline __m256 tanh8(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.f);
  const __m256 a = _mm256_andnot_ps(sign, x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(T0);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(T1));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(T2));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(T3));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(T4));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 e = exp8(_mm256_add_ps(a, a));
  const __m256 t = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, one)));
  const __m256 large = _mm256_or_ps(t, _mm256_and_ps(sign, x)); /* copy the sign of x */
  return _mm256_blendv_ps(large, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

AVX2 void rnn_lstm_step(int bs, int H, const float *xw, const float *hh, float *c, float *ws, float *h, float *y) {
  const long gh = 4L * H, wsw = 5L * H;
  for (long j = 0; j < bs; j++) {
    const float *gx = xw + j * gh;
    const float *gr = hh + j * gh;
    float *cj = c + j * H;
    float *w = ws + j * wsw;
    float *hj = h + j * H;
    float *yj = y + j * H;
    int k = 0;
    for (; k + 8 <= H; k += 8) {
#define PRE(q) _mm256_add_ps(_mm256_loadu_ps(gx + (q) * H + k), _mm256_loadu_ps(gr + (q) * H + k))
      const __m256 i = sigmoid8(PRE(0));
      const __m256 f = sigmoid8(PRE(1));
      const __m256 g = tanh8(PRE(2));
      const __m256 o = sigmoid8(PRE(3));
#undef PRE
      const __m256 cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(cj + k), _mm256_mul_ps(i, g));
      const __m256 hn = _mm256_mul_ps(o, tanh8(cn));
      _mm256_storeu_ps(cj + k, cn);
      _mm256_storeu_ps(w + k, i);
      _mm256_storeu_ps(w + H + k, f);
      _mm256_storeu_ps(w + 2 * H + k, g);
      _mm256_storeu_ps(w + 3 * H + k, o);
      _mm256_storeu_ps(w + 4 * H + k, cn);
      _mm256_storeu_ps(hj + k, hn);
      _mm256_storeu_ps(yj + k, hn);
    }
    for (; k < H; k++) {
      const float i = sigmoid_f(gx[k] + gr[k]);
      const float f = sigmoid_f(gx[H + k] + gr[H + k]);
      const float g = tanh_f(gx[2 * H + k] + gr[2 * H + k]);
      const float o = sigmoid_f(gx[3 * H + k] + gr[3 * H + k]);
      const float cn = f * cj[k] + i * g;
      const float hn = o * tanh_f(cn);
      cj[k] = cn;
      w[k] = i;
      w[H + k] = f;
      w[2 * H + k] = g;
      w[3 * H + k] = o;
      w[4 * H + k] = cn;
      hj[k] = hn;
      yj[k] = hn;
    }
  }
}

/* ---------------------------------------------------------------- softmax cross-entropy */

/* log(sum(exp(x[0..c)))) with the max subtracted first. */
AVX2 static float row_logsumexp(const float *x, int c) {
  __m256 vm = _mm256_set1_ps(-__builtin_inff());
  __m256 nan = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= c; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    vm = _mm256_max_ps(vm, v);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, vm);
  float m = lanes[0];
  for (int q = 1; q < 8; q++) m = lanes[q] > m ? lanes[q] : m;
  int has_nan = _mm256_movemask_ps(nan) != 0;
  for (; j < c; j++) {
    m = x[j] > m ? x[j] : m;
    has_nan |= x[j] != x[j];
  }
  /* as the JavaScript kernel: NaN anywhere, or a +inf logit (inf - inf), gives NaN; all -inf gives -inf */
  if (has_nan || m == __builtin_inff()) return __builtin_nanf("");
  if (m == -__builtin_inff()) return m;
  const __m256 mv = _mm256_set1_ps(m);
  __m256 vs = _mm256_setzero_ps();
  j = 0;
  for (; j + 8 <= c; j += 8) vs = _mm256_add_ps(vs, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), mv)));
  _mm256_storeu_ps(lanes, vs);
  double s = 0;
  for (int q = 0; q < 8; q++) s += lanes[q];
  for (; j < c; j++) s += exp_f(x[j] - m);
  return m + (float)__builtin_log(s);
}

AVX2 void rnn_softmax_xent(int n, int c, const float *logits, const int *target, float *loss) {
  for (long r = 0; r < n; r++) {
    const float *x = logits + r * c;
    loss[r] = row_logsumexp(x, c) - x[target[r]];
  }
}

AVX2 void rnn_softmax_xent_backward(int n, int c, const float *logits, const int *target, const float *gy,
                                    float *dx) {
  for (long r = 0; r < n; r++) {
    const float *x = logits + r * c;
    float *d = dx + r * c;
    const float lse = row_logsumexp(x, c);
    const float g = gy[r];
    const __m256 lv = _mm256_set1_ps(lse), gv = _mm256_set1_ps(g);
    int j = 0;
    if (lse - lse != 0.f) { /* not finite: the exact scalar formula, NaN and inf included */
      for (; j < c; j++) d[j] = __builtin_expf(x[j] - lse) * g;
      d[target[r]] -= g;
      continue;
    }
    for (; j + 8 <= c; j += 8)
      _mm256_storeu_ps(d + j, _mm256_mul_ps(exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), lv)), gv));
    for (; j < c; j++) d[j] = exp_f(x[j] - lse) * g;
    d[target[r]] -= g;
  }
}

/* ---------------------------------------------------------------- data movement */

AVX2 void rnn_binary(int op, long n, const float *restrict a, const float *restrict b, float *restrict out) {
  switch (op) {
    case 0:
      for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
      break;
    case 1:
      for (long i = 0; i < n; i++) out[i] = a[i] - b[i];
      break;
    case 2:
      for (long i = 0; i < n; i++) out[i] = a[i] * b[i];
      break;
    default:
      for (long i = 0; i < n; i++) out[i] = a[i] / b[i];
      break;
  }
}

/* out[i * cols + j] = x[i + j * colStride] for a rows x cols output, in 8 x 8 tiles. */
AVX2 void rnn_transpose(long rows, long cols, const float *restrict x, long colStride, float *restrict out) {
  const long T = 32;
  for (long i0 = 0; i0 < rows; i0 += T) {
    const long i1 = i0 + T < rows ? i0 + T : rows;
    for (long j0 = 0; j0 < cols; j0 += T) {
      const long j1 = j0 + T < cols ? j0 + T : cols;
      for (long i = i0; i < i1; i++) {
        float *o = out + i * cols;
        const float *s = x + i;
        for (long j = j0; j < j1; j++) o[j] = s[j * colStride];
      }
    }
  }
}

void rnn_index_select(long outer, long n, long inner, const float *x, const int *index, long m, float *out) {
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < m; i++)
      __builtin_memcpy(out + (o * m + i) * inner, x + (o * n + index[i]) * inner, inner * sizeof(float));
}

AVX2 void rnn_index_add(long outer, long n, long inner, const int *index, long m, const float *restrict src,
                        float *restrict out) {
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < m; i++) {
      float *restrict d = out + (o * n + index[i]) * inner;
      const float *restrict s = src + (o * m + i) * inner;
      for (long j = 0; j < inner; j++) d[j] += s[j];
    }
}
