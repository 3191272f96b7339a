/*
 * Node-API entry points of @rnn/cpu-native. Plain C against node_api.h (ABI-stable, N-API v8), no
 * dependency beyond libc and libpthread. Arguments are validated by the JavaScript wrapper; here we
 * only check types enough never to read out of bounds.
 */
#define NAPI_VERSION 8
#include <stdio.h>
#include <node_api.h>
#include <stddef.h>
#include <string.h>

#include "cpu-info.h"
#include "fma-peak.h"
#include "kernels.h"
#include "sgemm.h"

static const char *g_kernel_name;

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, "ERR_RNN_NATIVE", msg);
  return NULL;
}

/* Fetches exactly `n` arguments into `argv`; otherwise throws "<name>: expected n arguments". */
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *name) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == n) return 1;
  char msg[96];
  snprintf(msg, sizeof msg, "%s: expected %zu arguments", name, n);
  throw_error(env, msg);
  return 0;
}

/* A Float32Array argument: its data (already at its byteOffset) and element count. */
static int f32_arg(napi_env env, napi_value v, float **data, size_t *len) {
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok) return 0;
  if (type != napi_float32_array) return 0;
  *data = ptr;
  return 1;
}

static double num_arg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

/*
 * sgemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc)
 * Row-major: C[m, n] = alpha * op(A) op(B) + beta * C, op(A) = A or Aᵀ with leading dimension lda.
 */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[16];
  if (!get_args(env, info, 16, argv, "sgemm")) return NULL;
  bool ta = false, tb = false;
  napi_get_value_bool(env, argv[0], &ta);
  napi_get_value_bool(env, argv[1], &tb);
  const rnn_isize m = (rnn_isize)num_arg(env, argv[2]), n = (rnn_isize)num_arg(env, argv[3]), k = (rnn_isize)num_arg(env, argv[4]);
  const float alpha = (float)num_arg(env, argv[5]), beta = (float)num_arg(env, argv[12]);
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!f32_arg(env, argv[6], &a, &la) || !f32_arg(env, argv[9], &b, &lb) || !f32_arg(env, argv[13], &c, &lc))
    return throw_error(env, "sgemm: a, b and c must be Float32Arrays");
  const rnn_isize offA = (rnn_isize)num_arg(env, argv[7]), lda = (rnn_isize)num_arg(env, argv[8]);
  const rnn_isize offB = (rnn_isize)num_arg(env, argv[10]), ldb = (rnn_isize)num_arg(env, argv[11]);
  const rnn_isize offC = (rnn_isize)num_arg(env, argv[14]), ldc = (rnn_isize)num_arg(env, argv[15]);
  if (m < 0 || n < 0 || k < 0 || offA < 0 || offB < 0 || offC < 0) return throw_error(env, "sgemm: negative size");
  if (m == 0 || n == 0) return NULL;
  /* bounds: the last element each operand touches */
  const rnn_isize lastA = k == 0 ? 0 : (ta ? (k - 1) * lda + (m - 1) : (m - 1) * lda + (k - 1));
  const rnn_isize lastB = k == 0 ? 0 : (tb ? (n - 1) * ldb + (k - 1) : (k - 1) * ldb + (n - 1));
  const rnn_isize lastC = (m - 1) * ldc + (n - 1);
  if ((k > 0 && (offA + lastA >= (rnn_isize)la || offB + lastB >= (rnn_isize)lb)) || offC + lastC >= (rnn_isize)lc)
    return throw_error(env, "sgemm: an operand is too short for the given sizes");
  sgemm_args g = {
      .m = (int)m,
      .n = (int)n,
      .k = (int)k,
      .alpha = alpha,
      .beta = beta,
      .a = a + offA,
      .rsA = ta ? 1 : lda,
      .csA = ta ? lda : 1,
      .b = b + offB,
      .rsB = tb ? 1 : ldb,
      .csB = tb ? ldb : 1,
      .c = c + offC,
      .ldc = ldc,
  };
  rnn_sgemm(&g);
  return NULL;
}

/* The float32 array argument `v` viewed from element `off` on, if it holds at least `need` elements there. */
static float *f32_at(napi_env env, napi_value v, double off, rnn_isize need) {
  float *p;
  size_t len;
  if (!f32_arg(env, v, &p, &len) || off < 0 || need < 0 || (rnn_isize)off + need > (rnn_isize)len) return NULL;
  return p + (rnn_isize)off;
}

/*
 * lstmStep(bs, H, xw, xwOff, hh, hhOff, c, cOff, ws, wsOff, h, hOff, y, yOff): one LSTM time step's
 * gate pass over bs rows (see kernels.h); every array is a Float32Array, offsets in elements.
 */
static napi_value js_lstm_step(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  if (!get_args(env, info, 14, argv, "lstmStep")) return NULL;
  const rnn_isize bs = (rnn_isize)num_arg(env, argv[0]), H = (rnn_isize)num_arg(env, argv[1]);
  if (bs < 0 || H < 0) return throw_error(env, "lstmStep: negative size");
  float *xw = f32_at(env, argv[2], num_arg(env, argv[3]), bs * 4 * H);
  float *hh = f32_at(env, argv[4], num_arg(env, argv[5]), bs * 4 * H);
  float *c = f32_at(env, argv[6], num_arg(env, argv[7]), bs * H);
  float *ws = f32_at(env, argv[8], num_arg(env, argv[9]), bs * 5 * H);
  float *h = f32_at(env, argv[10], num_arg(env, argv[11]), bs * H);
  float *y = f32_at(env, argv[12], num_arg(env, argv[13]), bs * H);
  if (!xw || !hh || !c || !ws || !h || !y)
    return throw_error(env, "lstmStep: every array must be a Float32Array long enough for its offset and size");
  rnn_lstm_step((int)bs, (int)H, xw, hh, c, ws, h, y);
  return NULL;
}

/* An Int32Array argument viewed from element `off` on, if it holds at least `need` elements there. */
static int *i32_at(napi_env env, napi_value v, double off, rnn_isize need) {
  napi_typedarray_type type;
  void *ptr;
  size_t len;
  if (napi_get_typedarray_info(env, v, &type, &len, &ptr, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_int32_array || off < 0 || need < 0 || (rnn_isize)off + need > (rnn_isize)len) return NULL;
  return (int *)ptr + (rnn_isize)off;
}

/* Checks that every target is a class index in [0, c). */
static int targets_ok(const int *t, rnn_isize n, rnn_isize c) {
  for (rnn_isize r = 0; r < n; r++)
    if (t[r] < 0 || t[r] >= c) return 0;
  return 1;
}

/* softmaxXent(n, c, logits, target, loss): per-row cross-entropy (see kernels.h). */
static napi_value js_softmax_xent(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "softmaxXent")) return NULL;
  const rnn_isize n = (rnn_isize)num_arg(env, argv[0]), c = (rnn_isize)num_arg(env, argv[1]);
  if (n < 0 || c <= 0) return throw_error(env, "softmaxXent: bad size");
  float *x = f32_at(env, argv[2], 0, n * c);
  int *t = i32_at(env, argv[3], 0, n);
  float *loss = f32_at(env, argv[4], 0, n);
  if (!x || !t || !loss) return throw_error(env, "softmaxXent: arrays too short or of the wrong type");
  if (!targets_ok(t, n, c)) return throw_error(env, "softmaxXent: a target is out of range");
  rnn_softmax_xent((int)n, (int)c, x, t, loss);
  return NULL;
}

/* softmaxXentBackward(n, c, logits, target, gy, dx). */
static napi_value js_softmax_xent_backward(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "softmaxXentBackward")) return NULL;
  const rnn_isize n = (rnn_isize)num_arg(env, argv[0]), c = (rnn_isize)num_arg(env, argv[1]);
  if (n < 0 || c <= 0) return throw_error(env, "softmaxXentBackward: bad size");
  float *x = f32_at(env, argv[2], 0, n * c);
  int *t = i32_at(env, argv[3], 0, n);
  float *gy = f32_at(env, argv[4], 0, n);
  float *dx = f32_at(env, argv[5], 0, n * c);
  if (!x || !t || !gy || !dx) return throw_error(env, "softmaxXentBackward: arrays too short or of the wrong type");
  if (!targets_ok(t, n, c)) return throw_error(env, "softmaxXentBackward: a target is out of range");
  rnn_softmax_xent_backward((int)n, (int)c, x, t, gy, dx);
  return NULL;
}

/* binary(op, n, a, b, out): same-shape float32 add/sub/mul/div. */
static napi_value js_binary(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "binary")) return NULL;
  const int op = (int)num_arg(env, argv[0]);
  const rnn_isize n = (rnn_isize)num_arg(env, argv[1]);
  float *a = f32_at(env, argv[2], 0, n), *b = f32_at(env, argv[3], 0, n), *out = f32_at(env, argv[4], 0, n);
  if (op < 0 || op > 3 || !a || !b || !out) return throw_error(env, "binary: bad op, or arrays too short");
  rnn_binary(op, n, a, b, out);
  return NULL;
}

/* binaryRows(op, rows, n, a, b, out, rowOperand): add/sub/mul/div with operand rowOperand (0: a, 1: b)
 * a single row of n broadcast over the rows of the other. */
static napi_value js_binary_rows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "binaryRows")) return NULL;
  const int op = (int)num_arg(env, argv[0]), row_operand = (int)num_arg(env, argv[6]);
  const rnn_isize rows = (rnn_isize)num_arg(env, argv[1]), n = (rnn_isize)num_arg(env, argv[2]);
  if (op < 0 || op > 3 || rows < 0 || n < 0 || (row_operand != 0 && row_operand != 1))
    return throw_error(env, "binaryRows: bad op, size or row operand");
  float *a = f32_at(env, argv[3], 0, row_operand == 0 ? n : rows * n);
  float *b = f32_at(env, argv[4], 0, row_operand == 1 ? n : rows * n);
  float *out = f32_at(env, argv[5], 0, rows * n);
  if (!a || !b || !out) return throw_error(env, "binaryRows: arrays too short");
  rnn_binary_rows(op, rows, n, a, b, out, row_operand);
  return NULL;
}

/* unary(op, n, x, out): float32 tanh (0), sigmoid (1) or exp (2). */
static napi_value js_unary(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "unary")) return NULL;
  const int op = (int)num_arg(env, argv[0]);
  const rnn_isize n = (rnn_isize)num_arg(env, argv[1]);
  float *x = f32_at(env, argv[2], 0, n), *out = f32_at(env, argv[3], 0, n);
  if (op < 0 || op > 2 || n < 0 || !x || !out) return throw_error(env, "unary: bad op, or arrays too short");
  rnn_unary(op, n, x, out);
  return NULL;
}

/* unaryGrad(op, n, y, g, out): the gradient of tanh (0) or sigmoid (1) from the output y. */
static napi_value js_unary_grad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "unaryGrad")) return NULL;
  const int op = (int)num_arg(env, argv[0]);
  const rnn_isize n = (rnn_isize)num_arg(env, argv[1]);
  float *y = f32_at(env, argv[2], 0, n), *g = f32_at(env, argv[3], 0, n), *out = f32_at(env, argv[4], 0, n);
  if (op < 0 || op > 1 || n < 0 || !y || !g || !out) return throw_error(env, "unaryGrad: bad op, or arrays too short");
  rnn_unary_grad(op, n, y, g, out);
  return NULL;
}

/* concat(outer, parts, blocks, out): parts is an array of Float32Arrays, blocks a Float64Array of
 * their row lengths; out gets, row after row, each part's row. */
#define CONCAT_MAX_PARTS 64
static napi_value js_concat(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "concat")) return NULL;
  const double outer = num_arg(env, argv[0]);
  uint32_t nparts = 0;
  if (napi_get_array_length(env, argv[1], &nparts) != napi_ok || nparts == 0 || nparts > CONCAT_MAX_PARTS)
    return throw_error(env, "concat: parts must be an array of 1 to 64 Float32Arrays");
  napi_typedarray_type type;
  void *bptr;
  size_t blen;
  if (napi_get_typedarray_info(env, argv[2], &type, &blen, &bptr, NULL, NULL) != napi_ok || type != napi_float64_array ||
      blen < nparts)
    return throw_error(env, "concat: blocks must be a Float64Array with a length per part");
  if (!(outer >= 0 && outer <= 9e15)) return throw_error(env, "concat: bad size");
  const double *bd = bptr;
  const float *parts[CONCAT_MAX_PARTS];
  rnn_isize blocks[CONCAT_MAX_PARTS];
  double row = 0;
  for (uint32_t k = 0; k < nparts; k++) {
    if (!(bd[k] >= 0 && bd[k] <= 9e15)) return throw_error(env, "concat: bad size");
    blocks[k] = (rnn_isize)bd[k];
    row += bd[k];
    napi_value part;
    napi_get_element(env, argv[1], k, &part);
    parts[k] = f32_at(env, part, 0, (rnn_isize)(outer * bd[k]));
    if (!parts[k] && outer * bd[k] > 0) return throw_error(env, "concat: a part is too short or not a Float32Array");
  }
  if (outer * row == 0) return NULL;
  float *out = f32_at(env, argv[3], 0, (rnn_isize)(outer * row));
  if (!out) return throw_error(env, "concat: out is too short");
  rnn_concat_rows((rnn_isize)outer, (int)nparts, parts, blocks, out);
  return NULL;
}

/* sumMiddle(outer, r, inner, x, out): x [outer, r, inner] summed over r into out [outer, inner]. */
static napi_value js_sum_middle(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "sumMiddle")) return NULL;
  const double outer = num_arg(env, argv[0]), r = num_arg(env, argv[1]), inner = num_arg(env, argv[2]);
  if (!(outer >= 0 && r >= 0 && inner >= 0) || outer * r * inner > 9e15) return throw_error(env, "sumMiddle: bad size");
  if (outer * inner == 0) return NULL;
  float *out = f32_at(env, argv[4], 0, (rnn_isize)(outer * inner));
  if (out && r == 0) { /* empty sums (and x may be empty, without a data pointer) */
    memset(out, 0, (size_t)(outer * inner) * sizeof(float));
    return NULL;
  }
  float *x = f32_at(env, argv[3], 0, (rnn_isize)(outer * r * inner));
  if (!x || !out) return throw_error(env, "sumMiddle: arrays too short");
  rnn_sum_middle((rnn_isize)outer, (rnn_isize)r, (rnn_isize)inner, x, out);
  return NULL;
}

/* transpose(rows, cols, x, xOff, colStride, out, outOff). */
static napi_value js_transpose(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "transpose")) return NULL;
  const rnn_isize rows = (rnn_isize)num_arg(env, argv[0]), cols = (rnn_isize)num_arg(env, argv[1]);
  const rnn_isize stride = (rnn_isize)num_arg(env, argv[4]);
  if (rows < 0 || cols < 0 || stride < 0) return throw_error(env, "transpose: negative size");
  const rnn_isize span = rows == 0 || cols == 0 ? 0 : (rows - 1) + (cols - 1) * stride + 1;
  float *x = f32_at(env, argv[2], num_arg(env, argv[3]), span);
  float *out = f32_at(env, argv[5], num_arg(env, argv[6]), rows * cols);
  if (!x || !out) return throw_error(env, "transpose: arrays too short");
  rnn_transpose(rows, cols, x, stride, out);
  return NULL;
}

/* Validates the shared arguments of indexSelect / indexAdd: sizes, and indices in [0, n). */
static int *index_arg(napi_env env, napi_value v, rnn_isize m, rnn_isize n) {
  int *index = i32_at(env, v, 0, m);
  if (!index) return NULL;
  for (rnn_isize i = 0; i < m; i++)
    if (index[i] < 0 || index[i] >= n) return NULL;
  return index;
}

/* strided(desc, x, out): desc is a Float64Array [rank, offset, shape..., strides...] (longer is fine,
 * so a caller can reuse one); every element
 * read must lie inside x, and out must hold the product of the shape. */
static napi_value js_strided(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "strided")) return NULL;
  napi_typedarray_type type;
  void *ptr;
  size_t len;
  if (napi_get_typedarray_info(env, argv[0], &type, &len, &ptr, NULL, NULL) != napi_ok || type != napi_float64_array ||
      len < 2)
    return throw_error(env, "strided: desc must be a Float64Array [rank, offset, shape..., strides...]");
  const double *desc = ptr;
  const int rank = (int)desc[0];
  if (rank < 0 || rank > RNN_STRIDED_MAX_RANK || len < (size_t)(2 + 2 * rank))
    return throw_error(env, "strided: bad rank, or desc too short for it");
  rnn_isize shape[RNN_STRIDED_MAX_RANK], strides[RNN_STRIDED_MAX_RANK];
  const rnn_isize offset = (rnn_isize)desc[1];
  rnn_isize lo = offset, hi = offset, size = 1;
  for (int d = 0; d < rank; d++) {
    shape[d] = (rnn_isize)desc[2 + d];
    strides[d] = (rnn_isize)desc[2 + rank + d];
    if (shape[d] < 0) return throw_error(env, "strided: negative size");
    size *= shape[d];
    if (shape[d] > 0) {
      const rnn_isize reach = (shape[d] - 1) * strides[d];
      if (reach > 0) hi += reach;
      else lo += reach;
    }
  }
  float *x, *out;
  size_t xlen, outlen;
  if (!f32_arg(env, argv[1], &x, &xlen) || !f32_arg(env, argv[2], &out, &outlen))
    return throw_error(env, "strided: x and out must be Float32Arrays");
  if ((size_t)size > outlen || (size > 0 && (lo < 0 || hi >= (rnn_isize)xlen)))
    return throw_error(env, "strided: an element lies outside x, or out is too short");
  rnn_strided(rank, shape, strides, offset, x, out);
  return NULL;
}

/* indexSelect(outer, n, inner, x, index, m, out). */
static napi_value js_index_select(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "indexSelect")) return NULL;
  const rnn_isize outer = (rnn_isize)num_arg(env, argv[0]), n = (rnn_isize)num_arg(env, argv[1]), inner = (rnn_isize)num_arg(env, argv[2]);
  const rnn_isize m = (rnn_isize)num_arg(env, argv[5]);
  if (outer < 0 || n < 0 || inner < 0 || m < 0) return throw_error(env, "indexSelect: negative size");
  float *x = f32_at(env, argv[3], 0, outer * n * inner);
  int *index = index_arg(env, argv[4], m, n);
  float *out = f32_at(env, argv[6], 0, outer * m * inner);
  if (!x || !index || !out) return throw_error(env, "indexSelect: arrays too short, or an index out of range");
  rnn_index_select(outer, n, inner, x, index, m, out);
  return NULL;
}

/* indexAdd(outer, n, inner, index, m, src, out): out += src scattered by index. */
static napi_value js_index_add(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "indexAdd")) return NULL;
  const rnn_isize outer = (rnn_isize)num_arg(env, argv[0]), n = (rnn_isize)num_arg(env, argv[1]), inner = (rnn_isize)num_arg(env, argv[2]);
  const rnn_isize m = (rnn_isize)num_arg(env, argv[4]);
  if (outer < 0 || n < 0 || inner < 0 || m < 0) return throw_error(env, "indexAdd: negative size");
  int *index = index_arg(env, argv[3], m, n);
  float *src = f32_at(env, argv[5], 0, outer * m * inner);
  float *out = f32_at(env, argv[6], 0, outer * n * inner);
  if (!index || !src || !out) return throw_error(env, "indexAdd: arrays too short, or an index out of range");
  rnn_index_add(outer, n, inner, index, m, src, out);
  return NULL;
}

/*
 * lstmBackwardStep(bs, H, ws, wsOff, prevWs, prevWsOff, prevRows, c0, dh, dhOff, dc, dg, dgOff):
 * see kernels.h. prevRows rows read their previous cell state from prevWs (at prevWsOff), the rest
 * from c0.
 */
static napi_value js_lstm_backward_step(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, "lstmBackwardStep")) return NULL;
  const rnn_isize bs = (rnn_isize)num_arg(env, argv[0]), H = (rnn_isize)num_arg(env, argv[1]);
  const rnn_isize prev_rows = (rnn_isize)num_arg(env, argv[6]);
  if (bs < 0 || H < 0 || prev_rows < 0 || prev_rows > bs) return throw_error(env, "lstmBackwardStep: bad size");
  float *ws = f32_at(env, argv[2], num_arg(env, argv[3]), bs * 5 * H);
  float *prev = f32_at(env, argv[4], num_arg(env, argv[5]), prev_rows * 5 * H);
  float *c0 = f32_at(env, argv[7], 0, bs * H);
  float *dh = f32_at(env, argv[8], num_arg(env, argv[9]), bs * H);
  float *dc = f32_at(env, argv[10], 0, bs * H);
  float *dg = f32_at(env, argv[11], num_arg(env, argv[12]), bs * 4 * H);
  if (!ws || !prev || !c0 || !dh || !dc || !dg)
    return throw_error(env, "lstmBackwardStep: every array must be a Float32Array long enough for its offset and size");
  rnn_lstm_backward_step((int)bs, (int)H, ws, prev, (int)prev_rows, c0, dh, dc, dg);
  return NULL;
}

/* adam(n, p, g, m, v, p1, m1, v1, beta1, beta2, stepSize, bias2Sqrt, eps) */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, "adam")) return NULL;
  const rnn_isize n = (rnn_isize)num_arg(env, argv[0]);
  float *a[7];
  for (int q = 0; q < 7; q++)
    if (!(a[q] = f32_at(env, argv[1 + q], 0, n))) return throw_error(env, "adam: arrays too short or not Float32Arrays");
  rnn_adam(n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], num_arg(env, argv[8]), num_arg(env, argv[9]),
           num_arg(env, argv[10]), num_arg(env, argv[11]), num_arg(env, argv[12]));
  return NULL;
}

/* sgd(n, p, g, buf, p1, buf1, lr, momentum, dampening, weightDecay, sign, first, nesterov); buf and
 * buf1 may be any Float32Array when momentum is 0. */
static napi_value js_sgd(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!get_args(env, info, 13, argv, "sgd")) return NULL;
  const rnn_isize n = (rnn_isize)num_arg(env, argv[0]);
  const double momentum = num_arg(env, argv[7]);
  const rnn_isize nb = momentum == 0 ? 0 : n;
  float *p = f32_at(env, argv[1], 0, n), *g = f32_at(env, argv[2], 0, n), *buf = f32_at(env, argv[3], 0, nb);
  float *p1 = f32_at(env, argv[4], 0, n), *buf1 = f32_at(env, argv[5], 0, nb);
  if (!p || !g || !buf || !p1 || !buf1) return throw_error(env, "sgd: arrays too short or not Float32Arrays");
  bool first = false, nesterov = false;
  napi_get_value_bool(env, argv[11], &first);
  napi_get_value_bool(env, argv[12], &nesterov);
  rnn_sgd(n, p, g, buf, p1, buf1, num_arg(env, argv[6]), momentum, 1 - num_arg(env, argv[8]), num_arg(env, argv[9]),
          num_arg(env, argv[10]), first, nesterov);
  return NULL;
}

/* philoxUniform(n, counter, k0, k1, out): out[0..n) uniform float32 (see kernels.h). */
static napi_value js_philox_uniform(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "philoxUniform")) return NULL;
  const rnn_isize n = (rnn_isize)num_arg(env, argv[0]);
  const double counter = num_arg(env, argv[1]);
  if (n < 0 || counter < 0 || counter > 9007199254740991.0) return throw_error(env, "philoxUniform: bad size or counter");
  float *out = f32_at(env, argv[4], 0, n);
  if (!out) return throw_error(env, "philoxUniform: out must be a Float32Array of n elements");
  const unsigned k0 = (unsigned)(long long)num_arg(env, argv[2]), k1 = (unsigned)(long long)num_arg(env, argv[3]);
  rnn_philox_uniform(n, (unsigned long long)counter, k0, k1, out);
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int n = argc > 0 ? (int)num_arg(env, argv[0]) : 1;
  napi_create_int32(env, rnn_set_threads(n), &out);
  return out;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, rnn_get_threads(), &out);
  return out;
}

/* ---------------------------------------------------------------- the machine and the GEMM's configuration */

static void set_num(napi_env env, napi_value obj, const char *key, double v) {
  napi_value x;
  napi_create_double(env, v, &x);
  napi_set_named_property(env, obj, key, x);
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *v) {
  napi_value x;
  napi_create_string_utf8(env, v, NAPI_AUTO_LENGTH, &x);
  napi_set_named_property(env, obj, key, x);
}

static void set_bool(napi_env env, napi_value obj, const char *key, int v) {
  napi_value x;
  napi_get_boolean(env, v != 0, &x);
  napi_set_named_property(env, obj, key, x);
}

/* cpuInfo(): { vendor, brand, family, model, stepping, features: {...}, caches: [{ level, type, size, line, ways, sharedBy }] } */
static napi_value js_cpu_info(napi_env env, napi_callback_info info) {
  (void)info;
  rnn_cpu cpu;
  rnn_cpu_detect(&cpu);
  napi_value out, features, caches;
  napi_create_object(env, &out);
  set_str(env, out, "vendor", cpu.vendor);
  set_str(env, out, "brand", cpu.brand);
  set_num(env, out, "family", cpu.family);
  set_num(env, out, "model", cpu.model);
  set_num(env, out, "stepping", cpu.stepping);
  napi_create_object(env, &features);
  set_bool(env, features, "avx2", cpu.avx2);
  set_bool(env, features, "fma", cpu.fma);
  set_bool(env, features, "avx512f", cpu.avx512f);
  set_bool(env, features, "avx512vl", cpu.avx512vl);
  set_bool(env, features, "neon", cpu.neon);
  napi_set_named_property(env, out, "features", features);
  napi_create_array_with_length(env, (size_t)cpu.n_caches, &caches);
  for (int i = 0; i < cpu.n_caches; i++) {
    const rnn_cache *c = &cpu.caches[i];
    napi_value o;
    char type[2] = {c->type, 0};
    napi_create_object(env, &o);
    set_num(env, o, "level", c->level);
    set_str(env, o, "type", type);
    set_num(env, o, "size", (double)c->size);
    set_num(env, o, "line", c->line);
    set_num(env, o, "ways", c->ways);
    set_num(env, o, "sharedBy", c->shared_by);
    napi_set_element(env, caches, (uint32_t)i, o);
  }
  napi_set_named_property(env, out, "caches", caches);
  return out;
}

static napi_value config_object(napi_env env, const rnn_gemm_config *c) {
  napi_value o;
  napi_create_object(env, &o);
  set_str(env, o, "machineClass", c->name);
  set_str(env, o, "kernel", c->kernel);
  set_num(env, o, "mr", c->mr);
  set_num(env, o, "nr", c->nr);
  set_num(env, o, "kc", c->kc);
  set_num(env, o, "mc", c->mc);
  set_num(env, o, "nc", c->nc);
  set_str(env, o, "order", c->a_in_l1 ? "a-sliver-in-l1" : "b-sliver-in-l1");
  set_num(env, o, "parallelMin", c->parallel_min);
  set_num(env, o, "directBMaxRows", c->direct_b_max_rows);
  set_bool(env, o, "supported", rnn_sgemm_class_supported(c->name));
  return o;
}

/* gemmConfig(): the configuration in effect, and why its class was chosen. */
static napi_value js_gemm_config(napi_env env, napi_callback_info info) {
  (void)info;
  rnn_gemm_config c;
  rnn_sgemm_config(&c);
  napi_value o = config_object(env, &c);
  set_str(env, o, "reason", rnn_sgemm_class_reason());
  return o;
}

/* gemmClasses(): every machine class of this build, with whether this CPU can run it. */
static napi_value js_gemm_classes(napi_env env, napi_callback_info info) {
  (void)info;
  const rnn_gemm_config *classes;
  const int n = rnn_sgemm_classes(&classes);
  napi_value arr;
  napi_create_array_with_length(env, (size_t)n, &arr);
  for (int i = 0; i < n; i++) napi_set_element(env, arr, (uint32_t)i, config_object(env, &classes[i]));
  return arr;
}

/* A number property of `obj`, or `fallback` when it is absent or not a number. */
static double num_prop(napi_env env, napi_value obj, const char *key, double fallback) {
  napi_value v;
  napi_valuetype t;
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return fallback;
  napi_get_named_property(env, obj, key, &v);
  napi_typeof(env, v, &t);
  if (t != napi_number) return fallback;
  return num_arg(env, v);
}

/* setGemmClass(name, overrides?): switches the GEMM to a machine class (overrides: kc, mc, nc,
 * aInL1, parallelMin, directBMaxRows); false when the class is unknown or this CPU cannot run it,
 * or the blocking does not fit its tile. */
static napi_value js_set_gemm_class(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[32] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
    return throw_error(env, "setGemmClass: expected a class name");
  rnn_gemm_config set = {0};
  set.a_in_l1 = -1, set.parallel_min = -1, set.direct_b_max_rows = -1;
  int custom = 0;
  if (argc > 1) {
    napi_valuetype t;
    napi_typeof(env, argv[1], &t);
    if (t == napi_object) {
      set.kc = (int)num_prop(env, argv[1], "kc", 0);
      set.mc = (int)num_prop(env, argv[1], "mc", 0);
      set.nc = (int)num_prop(env, argv[1], "nc", 0);
      set.a_in_l1 = (int)num_prop(env, argv[1], "aInL1", -1);
      set.parallel_min = num_prop(env, argv[1], "parallelMin", -1);
      set.direct_b_max_rows = (int)num_prop(env, argv[1], "directBMaxRows", -1);
      custom = 1;
    }
  }
  const int ok = rnn_sgemm_configure(name, custom ? &set : NULL,
                                     custom ? "set by setGemmClass, with overrides" : "set by setGemmClass");
  napi_get_boolean(env, ok != 0, &out);
  return out;
}

/* fmaPeak(threads, bits, seconds): { gflops, gflopsByCpuTime } of FMA chains on `threads` threads at
 * `bits` vector width (both -1: this CPU cannot run it). */
static napi_value js_fma_peak(napi_env env, napi_callback_info info) {
  napi_value argv[3], out;
  if (!get_args(env, info, 3, argv, "fmaPeak")) return NULL;
  const double threads = num_arg(env, argv[0]), bits = num_arg(env, argv[1]), seconds = num_arg(env, argv[2]);
  if (!(threads >= 1 && threads <= 64) || !(seconds > 0 && seconds <= 10))
    return throw_error(env, "fmaPeak: threads in 1..64, seconds in (0, 10]");
  double by_cpu = -1;
  const double g = rnn_fma_gflops((int)threads, (int)bits, seconds, &by_cpu);
  if (g == -2) return throw_error(env, "fmaPeak: could not start a thread");
  napi_create_object(env, &out);
  set_num(env, out, "gflops", g);
  set_num(env, out, "gflopsByCpuTime", g < 0 ? -1 : by_cpu);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  g_kernel_name = rnn_sgemm_init();
  if (!g_kernel_name) return throw_error(env, "@rnn/cpu-native needs a CPU with AVX2 and FMA");
  napi_value fn, str;
  napi_create_function(env, "sgemm", NAPI_AUTO_LENGTH, js_sgemm, NULL, &fn);
  napi_set_named_property(env, exports, "sgemm", fn);
  napi_create_function(env, "lstmStep", NAPI_AUTO_LENGTH, js_lstm_step, NULL, &fn);
  napi_set_named_property(env, exports, "lstmStep", fn);
  napi_create_function(env, "softmaxXent", NAPI_AUTO_LENGTH, js_softmax_xent, NULL, &fn);
  napi_set_named_property(env, exports, "softmaxXent", fn);
  napi_create_function(env, "softmaxXentBackward", NAPI_AUTO_LENGTH, js_softmax_xent_backward, NULL, &fn);
  napi_set_named_property(env, exports, "softmaxXentBackward", fn);
  napi_create_function(env, "binary", NAPI_AUTO_LENGTH, js_binary, NULL, &fn);
  napi_set_named_property(env, exports, "binary", fn);
  napi_create_function(env, "binaryRows", NAPI_AUTO_LENGTH, js_binary_rows, NULL, &fn);
  napi_set_named_property(env, exports, "binaryRows", fn);
  napi_create_function(env, "unary", NAPI_AUTO_LENGTH, js_unary, NULL, &fn);
  napi_set_named_property(env, exports, "unary", fn);
  napi_create_function(env, "unaryGrad", NAPI_AUTO_LENGTH, js_unary_grad, NULL, &fn);
  napi_set_named_property(env, exports, "unaryGrad", fn);
  napi_create_function(env, "concat", NAPI_AUTO_LENGTH, js_concat, NULL, &fn);
  napi_set_named_property(env, exports, "concat", fn);
  napi_create_function(env, "sumMiddle", NAPI_AUTO_LENGTH, js_sum_middle, NULL, &fn);
  napi_set_named_property(env, exports, "sumMiddle", fn);
  napi_create_function(env, "transpose", NAPI_AUTO_LENGTH, js_transpose, NULL, &fn);
  napi_set_named_property(env, exports, "transpose", fn);
  napi_create_function(env, "strided", NAPI_AUTO_LENGTH, js_strided, NULL, &fn);
  napi_set_named_property(env, exports, "strided", fn);
  napi_create_function(env, "indexSelect", NAPI_AUTO_LENGTH, js_index_select, NULL, &fn);
  napi_set_named_property(env, exports, "indexSelect", fn);
  napi_create_function(env, "indexAdd", NAPI_AUTO_LENGTH, js_index_add, NULL, &fn);
  napi_set_named_property(env, exports, "indexAdd", fn);
  napi_create_function(env, "lstmBackwardStep", NAPI_AUTO_LENGTH, js_lstm_backward_step, NULL, &fn);
  napi_set_named_property(env, exports, "lstmBackwardStep", fn);
  napi_create_function(env, "adam", NAPI_AUTO_LENGTH, js_adam, NULL, &fn);
  napi_set_named_property(env, exports, "adam", fn);
  napi_create_function(env, "sgd", NAPI_AUTO_LENGTH, js_sgd, NULL, &fn);
  napi_set_named_property(env, exports, "sgd", fn);
  napi_create_function(env, "philoxUniform", NAPI_AUTO_LENGTH, js_philox_uniform, NULL, &fn);
  napi_set_named_property(env, exports, "philoxUniform", fn);
  napi_create_function(env, "setThreads", NAPI_AUTO_LENGTH, js_set_threads, NULL, &fn);
  napi_set_named_property(env, exports, "setThreads", fn);
  napi_create_function(env, "getThreads", NAPI_AUTO_LENGTH, js_get_threads, NULL, &fn);
  napi_set_named_property(env, exports, "getThreads", fn);
  napi_create_function(env, "cpuInfo", NAPI_AUTO_LENGTH, js_cpu_info, NULL, &fn);
  napi_set_named_property(env, exports, "cpuInfo", fn);
  napi_create_function(env, "gemmConfig", NAPI_AUTO_LENGTH, js_gemm_config, NULL, &fn);
  napi_set_named_property(env, exports, "gemmConfig", fn);
  napi_create_function(env, "gemmClasses", NAPI_AUTO_LENGTH, js_gemm_classes, NULL, &fn);
  napi_set_named_property(env, exports, "gemmClasses", fn);
  napi_create_function(env, "setGemmClass", NAPI_AUTO_LENGTH, js_set_gemm_class, NULL, &fn);
  napi_set_named_property(env, exports, "setGemmClass", fn);
  napi_create_function(env, "fmaPeak", NAPI_AUTO_LENGTH, js_fma_peak, NULL, &fn);
  napi_set_named_property(env, exports, "fmaPeak", fn);
  napi_create_string_utf8(env, g_kernel_name, NAPI_AUTO_LENGTH, &str);
  napi_set_named_property(env, exports, "kernel", str);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
