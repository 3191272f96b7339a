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

/* Picks the micro-kernel for this CPU; returns its name, or NULL when the CPU has neither AVX2+FMA nor AVX-512. */
const char *rnn_sgemm_init(void);
void rnn_sgemm(const sgemm_args *g);
/* Threads used by large products (the caller included); returns the number in effect. */
int rnn_set_threads(int n);
int rnn_get_threads(void);

#endif
