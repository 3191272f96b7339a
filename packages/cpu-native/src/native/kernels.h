#ifndef RNN_KERNELS_H
#define RNN_KERNELS_H

#include "platform.h"

/*
 * One LSTM time step over `bs` rows (gate order i, f, g, o, PyTorch's): pre-activations
 * xw[j, 4H] + hh[j, 4H]; c[j, H] is read and updated in place; writes the workspace
 * ws[j, 5H] = (i, f, g, o, c'), and h' to h[j, H] and y[j, H].
 */
void rnn_lstm_step(int bs, int H, const float *xw, const float *hh, float *c, float *ws, float *h, float *y);



/* Backward of one LSTM step (see kernels.c): gate gradients dg[j, 4H]; dc updated in place. */
void rnn_lstm_backward_step(int bs, int H, const float *ws, const float *prev_ws, int prev_rows, const float *c0,
                            const float *dh, float *dc, float *dg);

/* Per-row cross-entropy of logits [n, c] against int32 targets: loss[r] = logsumexp(x_r) - x_r[t_r]. */
void rnn_softmax_xent(int n, int c, const float *logits, const int *target, float *loss);
/* Its gradient: dx[r, j] = (softmax(x_r)_j - [j == t_r]) * gy[r]. */
void rnn_softmax_xent_backward(int n, int c, const float *logits, const int *target, const float *gy, float *dx);

/* out = a op b elementwise over n floats; op 0 add, 1 sub, 2 mul, 3 div. */
void rnn_binary(int op, rnn_isize n, const float *a, const float *b, float *out);
/* out[r, j] = a[r, j] op b[j] (row_operand 1: b is one row) or a[j] op b[r, j] (row_operand 0). */
void rnn_binary_rows(int op, rnn_isize rows, rnn_isize n, const float *a, const float *b, float *out, int row_operand);
/* op(x) over n floats in double, rounded once: op 0 tanh, 1 sigmoid, 2 exp (NaN stays NaN). */
void rnn_unary(int op, rnn_isize n, const float *x, float *out);
/* From an activation's output y and its gradient g: op 0 tanh g·(1 − y²), op 1 sigmoid g·y·(1 − y). */
void rnn_unary_grad(int op, rnn_isize n, const float *y, const float *g, float *out);
/* out[i * cols + j] = x[i + j * colStride]: a rows x cols transposed copy. */
void rnn_transpose(rnn_isize rows, rnn_isize cols, const float *x, rnn_isize colStride, float *out);
#define RNN_STRIDED_MAX_RANK 8
/* out (contiguous, shape[rank]) = x[offset + sum(idx_d * strides_d)] (offsets checked by the caller). */
void rnn_strided(int rank, const rnn_isize *shape, const rnn_isize *strides, rnn_isize offset, const float *x, float *out);
/* Rows of x [outer, n, inner] picked by index[m] into out [outer, m, inner] (indices in range). */
void rnn_index_select(rnn_isize outer, rnn_isize n, rnn_isize inner, const float *x, const int *index, rnn_isize m, float *out);
/* out [outer, n, inner] += src [outer, m, inner] scattered to the rows index[m] (indices in range). */
void rnn_index_add(rnn_isize outer, rnn_isize n, rnn_isize inner, const int *index, rnn_isize m, const float *src, float *out);
/* Concatenation: for each of `outer` rows, parts[k]'s row (blocks[k] floats) after another into out. */
void rnn_concat_rows(rnn_isize outer, int nparts, const float *const *parts, const rnn_isize *blocks, float *out);
/* out [outer, inner] = x [outer, r, inner] summed over r, each sum in double in order, rounded once. */
void rnn_sum_middle(rnn_isize outer, rnn_isize r, rnn_isize inner, const float *x, float *out);
/* Adam without weight decay, AMSGrad or maximize: p1, m1, v1 from p, g, m, v (computed in double). */
void rnn_adam(rnn_isize n, const float *p, const float *g, const float *m, const float *v, float *p1, float *m1, float *v1,
              double beta1, double beta2, double step_size, double bias2_sqrt, double eps);
/* SGD as torch.optim.SGD (sign -1 maximizes); buf/buf1 unused without momentum. */
void rnn_sgd(rnn_isize n, const float *p, const float *g, const float *buf, float *p1, float *buf1, double lr,
             double momentum, double damp, double wd, double sign, int first, int nesterov);
/* Uniform float32 numbers from Philox-4x32-10, identical to @rnn/tensor's CPU generator. */
void rnn_philox_uniform(rnn_isize n, unsigned long long counter, unsigned k0, unsigned k1, float *out);
#endif
