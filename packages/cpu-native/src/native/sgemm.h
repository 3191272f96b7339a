#ifndef RNN_SGEMM_H
#define RNN_SGEMM_H

#include "platform.h"

/* C = alpha * A B + beta * C with A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j*csB],
 * C(i, j) = c[i*ldc + j]; A is m x k, B is k x n. */
typedef struct {
  int m, n, k;
  float alpha, beta;
  const float *a;
  rnn_isize rsA, csA;
  const float *b;
  rnn_isize rsB, csB;
  float *c;
  rnn_isize ldc;
} sgemm_args;

/* A machine class: the micro-kernel, its tile, the blocking and the thresholds (see sgemm.c). */
typedef struct {
  const char *name;   /* "avx512", "avx512-256", "avx2" (x86-64), "neon", "portable" */
  const char *kernel; /* the micro-kernel: "avx512" (12 x 32), "avx2" (6 x 16), "neon" (8 x 12) */
  int mr, nr;         /* its tile of C */
  int kc, mc, nc;     /* blocking: k block, rows of A per packed block, columns of B per packed block */
  int a_in_l1;        /* loop order: 1 keeps an A sliver in L1, 0 a B sliver */
  double parallel_min;   /* products under this many multiply-adds stay on the calling thread */
  int direct_b_max_rows; /* products with at most this many rows read B in place */
} rnn_gemm_config;

/* Picks the machine class for this CPU (RNN_CPU_CLASS forces one it can run); returns its
 * micro-kernel's name, or NULL when the CPU has neither AVX2+FMA nor AVX-512. */
const char *rnn_sgemm_init(void);
/* Why the class in effect was chosen (a static string). */
const char *rnn_sgemm_class_reason(void);
/* The classes of this build. */
int rnn_sgemm_classes(const rnn_gemm_config **out);
int rnn_sgemm_class_supported(const char *name);
/* Switches to class `name`, with the fields of `set` that are not negative (or 0 for the blocking)
 * replacing its own (NULL: none); 0 when the class is unknown, unsupported here, or the blocking is
 * not a multiple of its tile. `reason` must be a static string. */
int rnn_sgemm_configure(const char *name, const rnn_gemm_config *set, const char *reason);
/* The configuration in effect. */
void rnn_sgemm_config(rnn_gemm_config *out);
void rnn_sgemm(const sgemm_args *g);
/* Threads used by large products (the caller included); returns the number in effect. */
int rnn_set_threads(int n);
int rnn_get_threads(void);

/* A range of a pointwise kernel's work: fn(ctx, lo, hi) handles items [lo, hi). */
typedef void (*rnn_range_fn)(void *ctx, rnn_isize lo, rnn_isize hi);
/* Runs fn over [0, len) on the GEMM's threads, split into one range per thread at multiples of
 * `align` items (the caller takes ranges too, so a helper still asleep costs nothing); on the calling
 * thread alone when len < min_len. The ranges must be independent: results do not depend on the split. */
void rnn_parallel_for(rnn_isize len, rnn_isize align, rnn_isize min_len, rnn_range_fn fn, void *ctx);

#endif
