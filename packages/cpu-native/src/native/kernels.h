#ifndef RNN_KERNELS_H
#define RNN_KERNELS_H

/*
 * One LSTM time step over `bs` rows (gate order i, f, g, o, PyTorch's): pre-activations
 * xw[j, 4H] + hh[j, 4H]; c[j, H] is read and updated in place; writes the workspace
 * ws[j, 5H] = (i, f, g, o, c'), and h' to h[j, H] and y[j, H].
 */
void rnn_lstm_step(int bs, int H, const float *xw, const float *hh, float *c, float *ws, float *h, float *y);



/* Per-row cross-entropy of logits [n, c] against int32 targets: loss[r] = logsumexp(x_r) - x_r[t_r]. */
void rnn_softmax_xent(int n, int c, const float *logits, const int *target, float *loss);
/* Its gradient: dx[r, j] = (softmax(x_r)_j - [j == t_r]) * gy[r]. */
void rnn_softmax_xent_backward(int n, int c, const float *logits, const int *target, const float *gy, float *dx);
#endif
