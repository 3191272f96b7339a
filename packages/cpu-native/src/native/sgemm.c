/*
 * Packed, cache-blocked single-precision GEMM for @rnn/cpu-native (BLIS-style: pack a KC x NC panel
 * of B and an MC x KC block of A, then a register-blocked micro-kernel). Row-major, any strides, so
 * both transposes are handled while packing. Micro-kernels: on x86-64, AVX-512 (12 x 32) and
 * AVX2+FMA (6 x 16); on arm64, NEON (8 x 12), which every arm64 CPU has; elsewhere a portable C one
 * (4 x 4, for builds from source). The micro-kernel, the blocking, the loop order and the thread
 * threshold come from a machine class chosen at load time (see "machine classes" below; the module
 * refuses to load on an x86-64 CPU without AVX2+FMA, and @rnn/tensor keeps its pure JavaScript
 * kernel). Up to RNN_MAX_THREADS threads split the larger dimension of C.
 */
#include "sgemm.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu-info.h"
#include "fma-peak.h"

/* b advances by ldb floats per k step: NR for a packed sliver, the row stride of B when read in place. */
typedef void (*ukernel_fn)(int kc, const float *a, const float *b, rnn_isize ldb, float *c, rnn_isize ldc, int accumulate);

/* The configuration in effect (a copy of a machine class, or of what rnn_sgemm_configure set). */
static rnn_gemm_config g_cfg;
static ukernel_fn g_kernel;
#define g_mr g_cfg.mr
#define g_nr g_cfg.nr

/* ---------------------------------------------------------------- micro-kernels */

#if RNN_X86
__attribute__((target("avx512f"))) static void kernel_avx512(int kc, const float *a, const float *b, rnn_isize ldb,
                                                             float *c, rnn_isize ldc, int accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(),
         c11 = _mm512_setzero_ps(), c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(),
         c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps(), c40 = _mm512_setzero_ps(),
         c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps(),
         c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(),
         c71 = _mm512_setzero_ps(), c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps(),
         c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps(), ca0 = _mm512_setzero_ps(),
         ca1 = _mm512_setzero_ps(), cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
  /* The C tile's 24 lines, read or written after the k loop: fetched during it instead of missed
   * then (C rows are a page or more apart). 1024^3 on one Zen 4 thread: +1.4 % median CPU time, five
   * alternating runs of 21; SPINN's products replayed: no change. */
  for (int r = 0; r < 12; r++) {
    _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(c + r * ldc + 16), _MM_HINT_T0);
  }
  for (int p = 0; p < kc; p++) {
    /* B 12 rows ahead: when B is read in place (few rows of A) its rows are a page or more apart,
     * where the hardware prefetchers do not reach; measured on Zen 4, 20 x 4096 x 1024: 30 -> 65
     * GFLOPS (8: 57, 16: 63, 20: 44), no change on packed B. (The AVX2 kernel is slower with it.) */
    _mm_prefetch((const char *)(b + 12 * ldb), _MM_HINT_T0);
    _mm_prefetch((const char *)(b + 12 * ldb + 16), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    __m512 x;
#define ROW(r, lo, hi)                     \
  x = _mm512_set1_ps(a[r]);                \
  lo = _mm512_fmadd_ps(x, b0, lo);         \
  hi = _mm512_fmadd_ps(x, b1, hi);
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
    ROW(6, c60, c61) ROW(7, c70, c71) ROW(8, c80, c81) ROW(9, c90, c91) ROW(10, ca0, ca1) ROW(11, cb0, cb1)
#undef ROW
    a += 12;
    b += ldb;
  }
#define STORE(r, lo, hi)                                                                       \
  if (accumulate) {                                                                            \
    lo = _mm512_add_ps(lo, _mm512_loadu_ps(c + (r) * ldc));                                    \
    hi = _mm512_add_ps(hi, _mm512_loadu_ps(c + (r) * ldc + 16));                               \
  }                                                                                            \
  _mm512_storeu_ps(c + (r) * ldc, lo);                                                         \
  _mm512_storeu_ps(c + (r) * ldc + 16, hi);
  STORE(0, c00, c01) STORE(1, c10, c11) STORE(2, c20, c21) STORE(3, c30, c31) STORE(4, c40, c41)
  STORE(5, c50, c51) STORE(6, c60, c61) STORE(7, c70, c71) STORE(8, c80, c81) STORE(9, c90, c91)
  STORE(10, ca0, ca1) STORE(11, cb0, cb1)
#undef STORE
}

__attribute__((target("avx2,fma"))) static void kernel_avx2(int kc, const float *a, const float *b, rnn_isize ldb,
                                                            float *c, rnn_isize ldc, int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 x;
#define ROW(r, lo, hi)                     \
  x = _mm256_broadcast_ss(a + (r));        \
  lo = _mm256_fmadd_ps(x, b0, lo);         \
  hi = _mm256_fmadd_ps(x, b1, hi);
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
#undef ROW
    a += 6;
    b += ldb;
  }
#define STORE(r, lo, hi)                                                                       \
  if (accumulate) {                                                                            \
    lo = _mm256_add_ps(lo, _mm256_loadu_ps(c + (r) * ldc));                                    \
    hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + (r) * ldc + 8));                                \
  }                                                                                            \
  _mm256_storeu_ps(c + (r) * ldc, lo);                                                         \
  _mm256_storeu_ps(c + (r) * ldc + 8, hi);
  STORE(0, c00, c01) STORE(1, c10, c11) STORE(2, c20, c21) STORE(3, c30, c31) STORE(4, c40, c41)
  STORE(5, c50, c51)
#undef STORE
}

#endif /* RNN_X86 */

#if RNN_NEON
/* 8 rows x 12 columns: 24 accumulators, 3 vectors of B and 2 of A in the 32 NEON registers. */
static void kernel_neon(int kc, const float *a, const float *b, rnn_isize ldb, float *c, rnn_isize ldc,
                        int accumulate) {
  float32x4_t c00 = vdupq_n_f32(0), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00,
              c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00,
              c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00,
              c72 = c00;
  for (int p = 0; p < kc; p++) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
#define ROW(r0, r1, r2, av, lane)              \
  r0 = vfmaq_laneq_f32(r0, b0, av, lane);      \
  r1 = vfmaq_laneq_f32(r1, b1, av, lane);      \
  r2 = vfmaq_laneq_f32(r2, b2, av, lane);
    ROW(c00, c01, c02, a0, 0)
    ROW(c10, c11, c12, a0, 1)
    ROW(c20, c21, c22, a0, 2)
    ROW(c30, c31, c32, a0, 3)
    ROW(c40, c41, c42, a1, 0)
    ROW(c50, c51, c52, a1, 1)
    ROW(c60, c61, c62, a1, 2)
    ROW(c70, c71, c72, a1, 3)
#undef ROW
    a += 8;
    b += ldb;
  }
#define OUT(r, x0, x1, x2)                                \
  if (accumulate) {                                       \
    x0 = vaddq_f32(x0, vld1q_f32(c + (r) * ldc));         \
    x1 = vaddq_f32(x1, vld1q_f32(c + (r) * ldc + 4));     \
    x2 = vaddq_f32(x2, vld1q_f32(c + (r) * ldc + 8));     \
  }                                                       \
  vst1q_f32(c + (r) * ldc, x0);                           \
  vst1q_f32(c + (r) * ldc + 4, x1);                       \
  vst1q_f32(c + (r) * ldc + 8, x2);
  OUT(0, c00, c01, c02)
  OUT(1, c10, c11, c12)
  OUT(2, c20, c21, c22)
  OUT(3, c30, c31, c32)
  OUT(4, c40, c41, c42)
  OUT(5, c50, c51, c52)
  OUT(6, c60, c61, c62)
  OUT(7, c70, c71, c72)
#undef OUT
}
#endif /* RNN_NEON */

#if !RNN_X86 && !RNN_NEON
/* Portable 4 x 4 (builds from source on other CPUs; no prebuild uses it). */
static void kernel_portable(int kc, const float *a, const float *b, rnn_isize ldb, float *c, rnn_isize ldc,
                            int accumulate) {
  float t[4][4] = {{0}};
  for (int p = 0; p < kc; p++, a += 4, b += ldb)
    for (int r = 0; r < 4; r++)
      for (int j = 0; j < 4; j++) t[r][j] += a[r] * b[j];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 4; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + t[r][j] : t[r][j];
}
#endif

/* ---------------------------------------------------------------- packing */

#if RNN_X86
/* out[j] = column j of the 8 x 8 block whose rows are r[0..7] (in-register transpose). */
__attribute__((target("avx2"))) static inline void transpose8(const __m256 r[8], __m256 out[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]),
               t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]),
               t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]),
               t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  out[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  out[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  out[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  out[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  out[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  out[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  out[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  out[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* One full 12-row sliver of row-major A (rows src[0..11], contiguous along k) into d[p * 12 + r]: eight
 * k steps at a time, rows 0-7 by an 8 x 8 transpose and rows 8-11 by a 4 x 8 one, each step's 12
 * values written as one 8-float and one 4-float store (the scalar loop moved one float at a time:
 * 1024^3 on one Zen 4 thread, pack_a 0.6 -> 0.2 ms of ~20). */
__attribute__((target("avx2"))) static void pack_a12(const float *const *src, int kc, float *d) {
  const int kc8 = kc & ~7;
  for (int p = 0; p < kc8; p += 8) {
    __m256 r[8], t[8];
    for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src[q] + p);
    transpose8(r, t);
    /* rows 8-11: four rows of eight k steps -> for each k step, 4 values */
    const __m256 q0 = _mm256_loadu_ps(src[8] + p), q1 = _mm256_loadu_ps(src[9] + p), q2 = _mm256_loadu_ps(src[10] + p),
                 q3 = _mm256_loadu_ps(src[11] + p);
    const __m256 v0 = _mm256_unpacklo_ps(q0, q1), v1 = _mm256_unpackhi_ps(q0, q1), v2 = _mm256_unpacklo_ps(q2, q3),
                 v3 = _mm256_unpackhi_ps(q2, q3);
    const __m256 w[4] = {_mm256_shuffle_ps(v0, v2, 0x44), _mm256_shuffle_ps(v0, v2, 0xEE),
                         _mm256_shuffle_ps(v1, v3, 0x44), _mm256_shuffle_ps(v1, v3, 0xEE)};
    float *o = d + (rnn_isize)p * 12;
    /* k step p + j: rows 0-7 from the 8 x 8 transpose, rows 8-11 from a 128-bit lane of w */
    for (int q = 0; q < 8; q++) {
      _mm256_storeu_ps(o + q * 12, t[q]);
      _mm_storeu_ps(o + q * 12 + 8, q < 4 ? _mm256_castps256_ps128(w[q]) : _mm256_extractf128_ps(w[q - 4], 1));
    }
  }
  for (int p = kc8; p < kc; p++)
    for (int r = 0; r < 12; r++) d[p * 12 + r] = src[r][p];
}
#endif

/* A block rows [i0, i0+mc) x cols [p0, p0+kc) into MR-row slivers: sliver s, column p, row r at
 * s*MR*kc + p*MR + r; rows past mc are zero. */
static void pack_a(const sgemm_args *g, int i0, int mc, int p0, int kc, float *dst) {
  const int mr = g_mr;
  for (int s = 0; s < mc; s += mr) {
    const int rows = mc - s < mr ? mc - s : mr;
    float *d = dst + (rnn_isize)s * kc;
#if RNN_X86
    if (g->csA == 1 && rows == 12 && mr == 12) {
      const float *src[12];
      for (int r = 0; r < 12; r++) src[r] = g->a + (rnn_isize)(i0 + s + r) * g->rsA + p0;
      pack_a12(src, kc, d);
      continue;
    }
#endif
    if (g->csA == 1 && rows == mr && mr <= 16) {
      /* a full sliver: its rows streamed side by side, each k step's mr values written together (the
       * row-by-row loop below writes with a stride of mr floats: 1024^3, one thread: 1.2 -> 0.65 ms of 21) */
      const float *src[16];
      for (int r = 0; r < mr; r++) src[r] = g->a + (rnn_isize)(i0 + s + r) * g->rsA + p0;
      for (int p = 0; p < kc; p++)
        for (int r = 0; r < mr; r++) d[p * mr + r] = src[r][p];
    } else if (g->csA == 1) {
      for (int r = 0; r < rows; r++) {
        const float *src = g->a + (rnn_isize)(i0 + s + r) * g->rsA + p0;
        for (int p = 0; p < kc; p++) d[p * mr + r] = src[p];
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *src = g->a + (rnn_isize)(i0 + s) * g->rsA + (rnn_isize)(p0 + p) * g->csA;
        for (int r = 0; r < rows; r++) d[p * mr + r] = src[(rnn_isize)r * g->rsA];
      }
    }
    for (int r = rows; r < mr; r++)
      for (int p = 0; p < kc; p++) d[p * mr + r] = 0.f;
  }
}

/* Transposed B read in place (`transB`: element (p, j) at src[j * ld + p]) into one full sliver of
 * `cols` (a multiple of 8) columns: d[p * nr + j] = src[j * ld + p], in 8 x 8 AVX2 transposes;
 * the last kc % 8 rows one by one. Replaces a scalar gather that cost as much as the product itself
 * when A has few rows (`linear`'s x · Wᵀ). */
#if RNN_X86
__attribute__((target("avx2"))) static void pack_b_trans8(const float *src, rnn_isize ld, int kc, int cols, int nr,
                                                          float *d) {
  const int kc8 = kc & ~7;
  for (int j = 0; j < cols; j += 8) {
    const float *s0 = src + (rnn_isize)j * ld;
    for (int p = 0; p < kc8; p += 8) {
      __m256 r[8], t[8];
      for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(s0 + q * ld + p);
      transpose8(r, t);
      float *o = d + (rnn_isize)p * nr + j;
      for (int q = 0; q < 8; q++) _mm256_storeu_ps(o + q * nr, t[q]);
    }
    for (int p = kc8; p < kc; p++)
      for (int jj = 0; jj < 8; jj++) d[(rnn_isize)p * nr + j + jj] = s0[(rnn_isize)jj * ld + p];
  }
}

#endif /* RNN_X86 */

/* B block rows [p0, p0+kc) x cols [j0, j0+nc) into NR-column slivers: sliver s, row p, col j at
 * s*NR*kc + p*NR + j; columns past nc are zero. */
static void pack_b(const sgemm_args *g, int p0, int kc, int j0, int nc, float *dst) {
  const int nr = g_nr;
  if (g->csB == 1 && nc % nr == 0) {
    /* row-major B of whole slivers: along each row of B (one contiguous read) into every sliver;
     * sliver by sliver, each 128-byte piece came from another page (1024^3, one thread: 0.67 -> 0.62 ms) */
    for (int p = 0; p < kc; p++) {
      const float *src = g->b + (rnn_isize)(p0 + p) * g->rsB + j0;
      for (int s = 0; s < nc; s += nr) memcpy(dst + (rnn_isize)s * kc + (rnn_isize)p * nr, src + s, nr * sizeof(float));
    }
    return;
  }
  for (int s = 0; s < nc; s += nr) {
    const int cols = nc - s < nr ? nc - s : nr;
    float *d = dst + (rnn_isize)s * kc;
#if RNN_X86
    if (g->csB != 1 && g->rsB == 1 && cols == nr) {
      pack_b_trans8(g->b + (rnn_isize)(j0 + s) * g->csB + p0, g->csB, kc, cols, nr, d);
    } else
#endif
        if (g->csB == 1) {
      for (int p = 0; p < kc; p++) {
        const float *src = g->b + (rnn_isize)(p0 + p) * g->rsB + j0 + s;
        memcpy(d + p * nr, src, cols * sizeof(float));
        for (int j = cols; j < nr; j++) d[p * nr + j] = 0.f;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float *src = g->b + (rnn_isize)(j0 + s + j) * g->csB + (rnn_isize)p0 * g->rsB;
        for (int p = 0; p < kc; p++) d[p * nr + j] = src[(rnn_isize)p * g->rsB];
      }
      for (int j = cols; j < nr; j++)
        for (int p = 0; p < kc; p++) d[p * nr + j] = 0.f;
    }
  }
}

/* ---------------------------------------------------------------- one thread's share */

static void *aligned(size_t bytes) { return rnn_aligned_alloc(bytes); }

typedef struct {
  float *pa, *pb;
  size_t pa_size, pb_size;
} workspace;

static int ws_reserve(workspace *w, size_t pa, size_t pb) {
  if (w->pa_size < pa) {
    rnn_aligned_free(w->pa);
    w->pa = aligned(pa * sizeof(float));
    w->pa_size = w->pa ? pa : 0;
  }
  if (w->pb_size < pb) {
    rnn_aligned_free(w->pb);
    w->pb = aligned(pb * sizeof(float));
    w->pb_size = w->pb ? pb : 0;
  }
  return (pa == 0 || w->pa) && (pb == 0 || w->pb);
}

/*
 * One micro-tile of C: rows [ic+ir, +rows) x columns [jc+jr, +cols) for the k block [pc, pc+kc), from
 * the packed sliver `as` of A and the sliver `bs` of B (stride `ldb` per k step). The first k block
 * applies alpha and beta; later ones accumulate.
 */
static inline void one_tile(const sgemm_args *g, const float *as, const float *bs, rnn_isize ldb, float *c, int rows,
                            int cols, int first, int kc) {
  const int nr = g_nr;
  const float alpha = g->alpha, beta = g->beta;
  const int direct = rows == g_mr && cols == nr && alpha == 1.f && (!first || beta == 0.f || beta == 1.f);
  if (direct) {
    const int acc = !first || beta == 1.f;
    if (kc > 0) g_kernel(kc, as, bs, ldb, c, g->ldc, acc);
    else if (!acc)
      for (int r = 0; r < rows; r++) memset(c + (rnn_isize)r * g->ldc, 0, cols * sizeof(float));
    return;
  }
  float tile[12 * 32];
  if (kc > 0) g_kernel(kc, as, bs, ldb, tile, nr, 0);
  else memset(tile, 0, sizeof tile);
  for (int r = 0; r < rows; r++) {
    float *cr = c + (rnn_isize)r * g->ldc;
    const float *t = tile + r * nr;
    if (!first) {
      for (int j = 0; j < cols; j++) cr[j] += alpha * t[j];
    } else if (beta == 0.f) {
      for (int j = 0; j < cols; j++) cr[j] = alpha * t[j];
    } else {
      for (int j = 0; j < cols; j++) cr[j] = alpha * t[j] + beta * cr[j];
    }
  }
}

/*
 * The micro-tiles of C[ic:ic+mc, jc:jc+nc] for one k block [pc, pc+kc): `pa` holds rows
 * [ic, ic+mc) of A packed (pack_a), `pb` columns [jc, jc+nc) of B packed (pack_b), or NULL when B is
 * read in place (its partial last sliver is then packed into `scratch`).
 *
 * Two orders, as the machine class says. B slivers outer (`a_in_l1` 0): a sliver of B (kc x NR)
 * stays in L1 while every sliver of the A block streams from L2: the larger sliver in L1, which
 * needs an L1 of kc * NR * 4 bytes (48 KB at 384 x 32: Zen 5). A slivers outer (`a_in_l1` 1, the
 * BLIS order with the operands' roles swapped): the A sliver (MR x kc, 18 KB at 12 x 384) stays in L1
 * while the B block (kc x NC) streams from L2: for a 32 KB L1 (Zen 4, most Intel cores).
 */
static void tiles(const sgemm_args *g, const float *pa, int ic, int mc, const float *pb, int jc, int nc, int pc,
                  int kc, float *scratch) {
  const int mr = g_mr, nr = g_nr;
  const int first = pc == 0;
  int scratch_at = -1; /* the sliver of B packed in `scratch`, if any */
#define B_SLIVER(jr, cols, bs, ldb)                                       \
  const float *bs = NULL;                                                 \
  rnn_isize ldb = nr;                                                     \
  if (kc > 0) {                                                           \
    if (pb) {                                                             \
      bs = pb + (rnn_isize)(jr) * kc;                                     \
    } else if ((cols) == nr) {                                            \
      bs = g->b + (rnn_isize)pc * g->rsB + jc + (jr);                     \
      ldb = g->rsB;                                                       \
    } else {                                                              \
      if (scratch_at != (jr)) pack_b(g, pc, kc, jc + (jr), cols, scratch); \
      scratch_at = (jr);                                                  \
      bs = scratch;                                                       \
    }                                                                     \
  }
  if (g_cfg.a_in_l1) {
    for (int ir = 0; ir < mc; ir += mr) {
      const int rows = mc - ir < mr ? mc - ir : mr;
      for (int jr = 0; jr < nc; jr += nr) {
        const int cols = nc - jr < nr ? nc - jr : nr;
        B_SLIVER(jr, cols, bs, ldb)
        one_tile(g, pa + (rnn_isize)ir * kc, bs, ldb, g->c + (rnn_isize)(ic + ir) * g->ldc + jc + jr, rows, cols,
                 first, kc);
      }
    }
    return;
  }
  for (int jr = 0; jr < nc; jr += nr) {
    const int cols = nc - jr < nr ? nc - jr : nr;
    B_SLIVER(jr, cols, bs, ldb)
    for (int ir = 0; ir < mc; ir += mr) {
      const int rows = mc - ir < mr ? mc - ir : mr;
      one_tile(g, pa + (rnn_isize)ir * kc, bs, ldb, g->c + (rnn_isize)(ic + ir) * g->ldc + jc + jr, rows, cols,
               first, kc);
    }
  }
#undef B_SLIVER
}

/* C[i0:i1, j0:j1] on the calling thread, packing its own blocks of A and B. The k blocks are
 * [pc, pc + kc) for pc = 0, KC, ...; one empty block when k is 0 (then C = beta C). Products with at
 * most `direct_b_max_rows` rows read B in place (when its rows are contiguous) instead of packing
 * it: packing a large B costs as much as the product itself when A has only a few rows (the
 * recurrent matmuls of an RNN: a [batch, H] state times a [H, 4H] weight). Measured on Zen 5: up to
 * 128 rows reading in place is still faster (128 x 300 x 1500, `linear`'s input gradient in SPINN's
 * reduce: 443 -> 404 us; 64 x 512 x 128: 53 -> 47 us). */
static void gemm_range(const sgemm_args *g, int i0, int i1, int j0, int j1, workspace *w) {
  const int KC = g_cfg.kc, MC = g_cfg.mc, NC = g_cfg.nc;
  if (!ws_reserve(w, (size_t)MC * KC, (size_t)NC * KC)) abort();
  const int direct = g->csB == 1 && g->m <= g_cfg.direct_b_max_rows;
  if (g_cfg.a_in_l1) {
    /* A packed once per (row block, k block); B once per (row block, k block, column block). */
    for (int ic = i0; ic < i1; ic += MC) {
      const int mc = i1 - ic < MC ? i1 - ic : MC;
      for (int pc = 0; pc == 0 || pc < g->k; pc += KC) {
        const int kc = g->k - pc < KC ? g->k - pc : KC;
        if (kc > 0) pack_a(g, ic, mc, pc, kc, w->pa);
        for (int jc = j0; jc < j1; jc += NC) {
          const int nc = j1 - jc < NC ? j1 - jc : NC;
          if (kc > 0 && !direct) pack_b(g, pc, kc, jc, nc, w->pb);
          tiles(g, w->pa, ic, mc, direct ? NULL : w->pb, jc, nc, pc, kc, w->pb);
        }
      }
    }
    return;
  }
  for (int jc = j0; jc < j1; jc += NC) {
    const int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int pc = 0; pc == 0 || pc < g->k; pc += KC) {
      const int kc = g->k - pc < KC ? g->k - pc : KC;
      if (kc > 0 && !direct) pack_b(g, pc, kc, jc, nc, w->pb);
      for (int ic = i0; ic < i1; ic += MC) {
        const int mc = i1 - ic < MC ? i1 - ic : MC;
        if (kc > 0) pack_a(g, ic, mc, pc, kc, w->pa);
        tiles(g, w->pa, ic, mc, direct ? NULL : w->pb, jc, nc, pc, kc, w->pb);
      }
    }
  }
}

/* ---------------------------------------------------------------- threads
 *
 * A parallel product is split along the larger dimension of C into chunks of whole micro-tiles,
 * each computed like a serial product of its own (packing its blocks of A and B).
 * Every thread claims chunks from one atomic counter, the caller first: a helper that is still
 * asleep claims nothing, so the caller never waits for a thread to wake up (on a virtual machine
 * that costs up to a millisecond, more than many of an RNN's products take; measured in SPINN, a
 * fixed split made the tracker's 128 x 256 x 900 products 2.2x slower than one thread), only for
 * chunks already claimed to finish. */

#define RNN_MAX_THREADS 16
/* A helper polls for its next job for this long before it sleeps: the GEMMs of an RNN come every
 * few hundred microseconds. Timed by the clock, since the length of a pause instruction varies. */
#define SPIN_SECONDS 0.002
#define SPIN_LIMIT 20000

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One chunk per thread: smaller chunks even out a late helper but each packs its own copy of the
 * shared operand; measured here, 2 or 4 per thread were 5-25 % slower on square products and no
 * faster in SPINN. */
#ifndef CHUNKS_PER_THREAD
#define CHUNKS_PER_THREAD 1
#endif
#define MAX_CHUNKS (16 * CHUNKS_PER_THREAD)

/* One range of a job, computed on a thread with its GEMM workspace. */
typedef void (*chunk_fn)(void *ctx, rnn_isize lo, rnn_isize hi, workspace *w);

/* The job being worked on: a product, or a pointwise kernel's rows (rnn_parallel_for). Written by
 * the caller only while no chunk of it is claimed or running. */
static struct {
  chunk_fn fn;
  void *ctx;
  rnn_isize bounds[MAX_CHUNKS + 1]; /* chunk q covers [bounds[q], bounds[q + 1]) */
} g_job;
/* (sequence << 32) | (chunks << 16) | next chunk: claiming is one compare-and-swap that fails once
 * the job is finished or replaced. */
static atomic_llong g_counter;
static atomic_int g_done; /* chunks of the current job finished */

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  atomic_int posted; /* sequence number of the last product posted */
  atomic_int sleeping;
  workspace ws;
} worker;

static worker g_workers[RNN_MAX_THREADS];
static int g_started; /* helper threads started */
static int g_threads = 1;
static int g_seq;
static workspace g_main_ws;
/* One product (or thread-count change) at a time: the job, the helpers and the caller's workspace
 * are process-wide, and Node worker threads may each call in (uncontended, it costs nanoseconds). */
static pthread_mutex_t g_sgemm_lock = PTHREAD_MUTEX_INITIALIZER;

/* Claims and computes chunks of the current product until none is left. */
static void work_on_job(workspace *w) {
  for (;;) {
    long long v = atomic_load(&g_counter);
    const int q = (int)(v & 0xffff), chunks = (int)((v >> 16) & 0xffff);
    if (q >= chunks) return;
    if (!atomic_compare_exchange_weak(&g_counter, &v, v + 1)) continue;
    /* the job cannot change before this chunk is counted done */
    g_job.fn(g_job.ctx, g_job.bounds[q], g_job.bounds[q + 1], w);
    atomic_fetch_add(&g_done, 1);
  }
}

#ifdef __linux__
/*
 * Helpers off the caller's CPU. Linux often wakes a helper on the CPU of the thread that woke it
 * (the caller), next to an idle one; the two then share one CPU until the load balancer moves one
 * of them, some milliseconds later. Meanwhile the caller computes every chunk itself (the helper
 * gets no time to claim one) and the helper's spin-wait slows the caller's own code. Measured on a
 * 2-vCPU Zen 4 VM: after a pause, 256^3 products kept taking 320-380 us (one thread's time) for 9
 * products in a row, 170 us once the helper ran on the other CPU. So a helper that starts a job on
 * the caller's CPU moves itself to the other CPUs it may use (one system call, only when it
 * happens; it stays there until the caller comes to its CPU again).
 */
static atomic_int g_caller_cpu = -1;

static void move_off_caller_cpu(const cpu_set_t *allowed) {
  const int caller = atomic_load(&g_caller_cpu);
  if (caller < 0 || caller >= CPU_SETSIZE || sched_getcpu() != caller) return;
  cpu_set_t others = *allowed;
  CPU_CLR(caller, &others);
  if (CPU_COUNT(&others) > 0) sched_setaffinity(0, sizeof others, &others);
}
#endif

static void *worker_main(void *arg) {
  worker *w = arg;
  int seen = 0;
#ifdef __linux__
  /* the CPUs this process may use (taskset, cgroups), inherited from the thread that started us */
  cpu_set_t allowed;
  const int know_allowed = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
#endif
  for (;;) {
    int spins = 0;
    const double since = now_seconds();
    while (atomic_load(&w->posted) == seen) {
      rnn_cpu_relax();
      if ((++spins & 63) != 0 || now_seconds() - since < SPIN_SECONDS) continue;
      pthread_mutex_lock(&w->lock);
      atomic_store(&w->sleeping, 1);
      while (atomic_load(&w->posted) == seen) pthread_cond_wait(&w->wake, &w->lock);
      atomic_store(&w->sleeping, 0);
      pthread_mutex_unlock(&w->lock);
    }
    seen = atomic_load(&w->posted);
#ifdef __linux__
    if (know_allowed) move_off_caller_cpu(&allowed);
#endif
    work_on_job(&w->ws);
  }
  return NULL;
}

int rnn_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > RNN_MAX_THREADS) n = RNN_MAX_THREADS;
  pthread_mutex_lock(&g_sgemm_lock);
  while (g_started < n - 1) {
    worker *w = &g_workers[g_started];
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    atomic_init(&w->posted, 0);
    atomic_init(&w->sleeping, 0);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) break;
    pthread_detach(w->thread);
    g_started++;
  }
  g_threads = n < g_started + 1 ? n : g_started + 1;
  const int threads = g_threads;
  pthread_mutex_unlock(&g_sgemm_lock);
  return threads;
}

int rnn_get_threads(void) { return g_threads; }

static void sgemm_locked(const sgemm_args *g);

void rnn_sgemm(const sgemm_args *g) {
  if (g->m <= 0 || g->n <= 0) return;
  pthread_mutex_lock(&g_sgemm_lock);
  sgemm_locked(g);
  pthread_mutex_unlock(&g_sgemm_lock);
}

/* Runs the job already in g_job.bounds (chunks of it) on `threads` threads, the caller included;
 * returns when every chunk is done. Called with g_sgemm_lock held. */
static void run_job(int threads, int chunks, chunk_fn fn, void *ctx) {
  g_job.fn = fn;
  g_job.ctx = ctx;
  atomic_store(&g_done, 0);
  const int seq = ++g_seq;
#ifdef __linux__
  atomic_store(&g_caller_cpu, sched_getcpu());
#endif
  atomic_store(&g_counter, ((long long)(unsigned)seq << 32) | ((long long)chunks << 16));
  for (int q = 0; q < threads - 1; q++) {
    worker *w = &g_workers[q];
    atomic_store(&w->posted, seq);
    if (atomic_load(&w->sleeping)) {
      pthread_mutex_lock(&w->lock);
      pthread_cond_signal(&w->wake);
      pthread_mutex_unlock(&w->lock);
    }
  }
  work_on_job(&g_main_ws);
  int spins = 0;
  while (atomic_load(&g_done) != chunks) {
    if (++spins < SPIN_LIMIT) rnn_cpu_relax();
    else sched_yield();
  }
}

typedef struct {
  const sgemm_args *g;
  int by_rows;
} gemm_job;

static void gemm_chunk(void *ctx, rnn_isize lo, rnn_isize hi, workspace *w) {
  const gemm_job *j = ctx;
  if (j->by_rows) gemm_range(j->g, (int)lo, (int)hi, 0, j->g->n, w);
  else gemm_range(j->g, 0, j->g->m, (int)lo, (int)hi, w);
}

static void sgemm_locked(const sgemm_args *g) {
  const double work = (double)g->m * g->n * (g->k > 0 ? g->k : 1);
  const int t = work < g_cfg.parallel_min ? 1 : g_threads;
  /* split the larger dimension of C into chunks of whole micro-tiles */
  const int by_rows = g->m / g_mr >= g->n / g_nr;
  const int unit = by_rows ? g_mr : g_nr;
  const int len = by_rows ? g->m : g->n;
  const int tiles_total = (len + unit - 1) / unit;
  int chunks = t * CHUNKS_PER_THREAD < tiles_total ? t * CHUNKS_PER_THREAD : tiles_total;
  if (t <= 1 || chunks < 2) {
    gemm_range(g, 0, g->m, 0, g->n, &g_main_ws);
    return;
  }
  for (int q = 0; q <= chunks; q++) {
    const int b = (int)((rnn_isize)tiles_total * q / chunks) * unit;
    g_job.bounds[q] = b > len ? len : b;
  }
  gemm_job job = {g, by_rows};
  run_job(t, chunks, gemm_chunk, &job);
}

typedef struct {
  rnn_range_fn fn;
  void *ctx;
} range_job;

static void range_chunk(void *ctx, rnn_isize lo, rnn_isize hi, workspace *w) {
  (void)w;
  const range_job *j = ctx;
  j->fn(j->ctx, lo, hi);
}

void rnn_parallel_for(rnn_isize len, rnn_isize align, rnn_isize min_len, rnn_range_fn fn, void *ctx) {
  if (len <= 0) return;
  if (len < min_len) {
    fn(ctx, 0, len);
    return;
  }
  const rnn_isize units = (len + align - 1) / align;
  pthread_mutex_lock(&g_sgemm_lock);
  const int chunks = units < g_threads ? (int)units : g_threads;
  if (chunks < 2) {
    fn(ctx, 0, len);
  } else {
    for (int q = 0; q <= chunks; q++) {
      const rnn_isize b = units * q / chunks * align;
      g_job.bounds[q] = b > len ? len : b;
    }
    range_job job = {fn, ctx};
    run_job(chunks, chunks, range_chunk, &job);
  }
  pthread_mutex_unlock(&g_sgemm_lock);
}

/* ---------------------------------------------------------------- machine classes
 *
 * What differs between x86-64 machines, for the GEMM: the vector width the FMA units execute, and the
 * L1 size. The blocking follows the L1 (see `tiles`); the thread threshold follows the rate of one
 * core (waking a helper costs about the same time everywhere, so the product worth splitting is
 * smaller where a core is slower).
 */
#if RNN_X86
static const rnn_gemm_config CLASSES[] = {
    /* AVX-512 on full-width units (Zen 5 desktop/server, Intel Xeon since Skylake-SP with 2 FMA
     * ports): tuned on Zen 5 (48 KB L1: the 48 KB B sliver of 384 x 32 there). Products under 6M
     * multiply-adds on one thread: splitting 64 x 512 x 128 over two was slower there. */
    {"avx512", "avx512", 12, 32, 384, 96, 3072, 0, 6e6, 128},
    /* AVX-512 executed on 256-bit units (Zen 4: one 512-bit FMA per cycle, the rate of two 256-bit
     * ones; the AVX-512 kernel still halves the loads and broadcasts per FLOP). L1 is 32 KB: the
     * A sliver (12 x 512, 24 KB) stays there and a 512 x 384 block of B (768 KB) in the 1 MB L2,
     * BLIS's order for AVX-512 with the operands' roles swapped. Measured on Zen 4 (one thread,
     * CPU time, interleaved): 1024^3 95 -> 101 GFLOPS, 600 x 10000 x 1024 (x W^T) 98 -> 107,
     * 640 x 4096 x 1024 95 -> 104 against the Zen 5 blocking (kc 256/384/512/640 and nc 320-480:
     * within 2 %). Two threads from 3M multiply-adds: on an idle Zen 4 they win from about 4M
     * (threads.js: 1.3-1.6x on 64 x 128 x 512), and workload B (its recurrent products are 4.2M)
     * took 0.108-0.111 s per step against 0.121-0.126 s with Zen 5's 6M, three alternating rounds. */
    {"avx512-256", "avx512", 12, 32, 512, 3072, 384, 1, 3e6, 128},
    /* AVX2 + FMA only (Haswell to Zen 3, Intel client cores; or AVX-512 turned off): 6 x 16 kernel,
     * the 24 KB B sliver of 384 x 16 fits a 32 KB L1; the blocking the AVX2 path always had. */
    {"avx2", "avx2", 6, 16, 384, 96, 3072, 0, 6e6, 128},
};
#elif RNN_NEON
static const rnn_gemm_config CLASSES[] = {{"neon", "neon", 8, 12, 384, 96, 3072, 0, 6e6, 128}};
#else
static const rnn_gemm_config CLASSES[] = {{"portable", "portable", 4, 4, 384, 96, 3072, 0, 6e6, 128}};
#endif
#define N_CLASSES ((int)(sizeof CLASSES / sizeof CLASSES[0]))

static const char *g_class_reason = "";

static ukernel_fn kernel_named(const char *name) {
#if RNN_X86
  if (strcmp(name, "avx512") == 0) return kernel_avx512;
  if (strcmp(name, "avx2") == 0) return kernel_avx2;
#elif RNN_NEON
  if (strcmp(name, "neon") == 0) return kernel_neon;
#else
  if (strcmp(name, "portable") == 0) return kernel_portable;
#endif
  return NULL;
}

/* Whether this CPU can run the class's micro-kernel. */
static int class_supported(const rnn_gemm_config *c) {
  rnn_cpu cpu;
  rnn_cpu_detect(&cpu);
  if (strcmp(c->kernel, "avx512") == 0) return cpu.avx512f;
  if (strcmp(c->kernel, "avx2") == 0) return cpu.avx2 && cpu.fma;
  return 1;
}

static const rnn_gemm_config *class_named(const char *name) {
  for (int i = 0; i < N_CLASSES; i++)
    if (strcmp(CLASSES[i].name, name) == 0) return &CLASSES[i];
  return NULL;
}

/* The class for this CPU, and why (a static string). */
static const rnn_gemm_config *detect_class(const char **why) {
#if RNN_X86
  rnn_cpu cpu;
  rnn_cpu_detect(&cpu);
  if (!(cpu.avx2 && cpu.fma)) {
    *why = "no AVX2+FMA";
    return NULL;
  }
  if (!cpu.avx512f) {
    *why = "cpuid: AVX2+FMA, no AVX-512";
    return class_named("avx2");
  }
  if (getenv("RNN_NATIVE_NO_AVX512") != NULL) {
    *why = "RNN_NATIVE_NO_AVX512 is set";
    return class_named("avx2");
  }
  if (strcmp(cpu.vendor, "AuthenticAMD") == 0 && cpu.family == 25) {
    *why = "cpuid: AMD family 25 with AVX-512 (Zen 4: 256-bit FMA units)";
    return class_named("avx512-256");
  }
  /* Anything else with AVX-512: measure whether 512-bit FMAs run at twice the 256-bit rate (best
   * of three short runs of each, alternating: about 3 ms), per second of the thread's CPU time, so
   * that other processes taking the core during a run do not decide the class. */
  double r512 = 0, r256 = 0;
  for (int i = 0; i < 3; i++) {
    double a = 0, b = 0;
    rnn_fma_gflops(1, 512, 0.0005, &a);
    rnn_fma_gflops(1, 256, 0.0005, &b);
    if (a > r512) r512 = a;
    if (b > r256) r256 = b;
  }
  if (r512 > 1.4 * r256) {
    *why = "measured: 512-bit FMAs at twice the 256-bit rate";
    return class_named("avx512");
  }
  *why = "measured: 512-bit FMAs at the 256-bit rate";
  return class_named("avx512-256");
#else
  *why = "the only class of this architecture";
  return &CLASSES[0];
#endif
}

static void use_config(const rnn_gemm_config *c) {
  g_cfg = *c;
  g_kernel = kernel_named(c->kernel);
}

const char *rnn_sgemm_init(void) {
  const char *why = "";
  const rnn_gemm_config *c = NULL;
  const char *forced = getenv("RNN_CPU_CLASS");
  if (forced && *forced) {
    c = class_named(forced);
    if (c && class_supported(c)) why = "forced by RNN_CPU_CLASS";
    else c = NULL; /* unknown or unsupported here: detect, and say so */
  }
  if (!c) c = detect_class(&why);
  if (!c) return NULL;
  if (forced && *forced && strcmp(why, "forced by RNN_CPU_CLASS") != 0)
    why = class_named(forced) ? "RNN_CPU_CLASS names a class this CPU cannot run; detected instead"
                              : "RNN_CPU_CLASS names no class; detected instead";
  g_class_reason = why;
  use_config(c);
  return c->kernel;
}

const char *rnn_sgemm_class_reason(void) { return g_class_reason; }

int rnn_sgemm_classes(const rnn_gemm_config **out) {
  *out = CLASSES;
  return N_CLASSES;
}

int rnn_sgemm_class_supported(const char *name) {
  const rnn_gemm_config *c = class_named(name);
  return c && class_supported(c);
}

int rnn_sgemm_configure(const char *name, const rnn_gemm_config *set, const char *reason) {
  const rnn_gemm_config *base = class_named(name);
  if (!base || !class_supported(base)) return 0;
  rnn_gemm_config c = *base;
  if (set) {
    if (set->kc > 0) c.kc = set->kc;
    if (set->mc > 0) c.mc = set->mc;
    if (set->nc > 0) c.nc = set->nc;
    if (set->a_in_l1 >= 0) c.a_in_l1 = set->a_in_l1 != 0;
    if (set->parallel_min >= 0) c.parallel_min = set->parallel_min;
    if (set->direct_b_max_rows >= 0) c.direct_b_max_rows = set->direct_b_max_rows;
  }
  if (c.mc % c.mr != 0 || c.nc % c.nr != 0 || c.kc > 100000 || c.mc > 100000 || c.nc > 100000) return 0;
  pthread_mutex_lock(&g_sgemm_lock);
  use_config(&c);
  g_class_reason = reason;
  pthread_mutex_unlock(&g_sgemm_lock);
  return 1;
}

void rnn_sgemm_config(rnn_gemm_config *out) { *out = g_cfg; }
