// Elementwise kernels: fill, unary, binary and compare with broadcasting (through `Dims`), where,
// clamp, cast, the tanh/sigmoid gradients and the in-place add. Floats compute in double and round
// once when stored, as the CPU backend does (so results agree to the last bit in almost every case).
// Op codes: src/kernels/codes.ts.

template <class T> __device__ __forceinline__ double unary_op(int op, T x) {
  double v = (double)x;
  switch (op) {
    case 0: return -v;
    case 1: return exp(v);
    case 2: return log(v);
    case 3: return sqrt(v);
    case 4: return fabs(v);
    case 5: return tanh(v);
    case 6: return sigmoid_d(v);
    case 7: return v < 0 ? 0.0 : v;
    case 8: return v > 0 ? 1.0 : v < 0 ? -1.0 : v;
    default: return v != 0.0 ? 0.0 : 1.0;  // not
  }
}

// int32: neg/abs/relu/sign exactly (wrapping like ToInt32), anything else through double.
__device__ __forceinline__ int unary_int(int op, int x) {
  switch (op) {
    case 0: return (int)(0u - (u32)x);
    case 4: return x < 0 ? (int)(0u - (u32)x) : x;
    case 7: return x < 0 ? 0 : x;
    case 8: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 9: return x != 0 ? 0 : 1;
    default: return to_int32(unary_op<int>(op, x));
  }
}

template <class T>
__device__ __forceinline__ void unary_body(T *out, const T *x, int n, int op) {
  GRID_STRIDE(i, n) out[i] = from_double<T>(unary_op<T>(op, x[i]));
}

extern "C" __global__ void unary_f32(float *out, const float *x, int n, int op) { unary_body(out, x, n, op); }
extern "C" __global__ void unary_f64(double *out, const double *x, int n, int op) { unary_body(out, x, n, op); }
extern "C" __global__ void unary_i32(int *out, const int *x, int n, int op) {
  GRID_STRIDE(i, n) out[i] = unary_int(op, x[i]);
}
extern "C" __global__ void unary_u8(u8 *out, const u8 *x, int n, int op) {
  GRID_STRIDE(i, n) out[i] = from_double<u8>(unary_op<u8>(op, x[i]));
}

// ---------------------------------------------------------------- binary

template <class T> __device__ __forceinline__ T binary_float(int op, T a, T b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return (T)pow((double)a, (double)b);
    case 5: return (a != a || b != b) ? a + b : a > b ? a : b;  // NaN wins
    default: return (a != a || b != b) ? a + b : a < b ? a : b;
  }
}

__device__ __forceinline__ int binary_int(int op, int a, int b) {
  switch (op) {
    case 0: return (int)((u32)a + (u32)b);
    case 1: return (int)((u32)a - (u32)b);
    case 2: return (int)((u32)a * (u32)b);
    case 3: return to_int32((double)a / (double)b);
    case 4: return to_int32(pow((double)a, (double)b));
    case 5: return a > b ? a : b;
    default: return a < b ? a : b;
  }
}

__device__ __forceinline__ u8 binary_bool(int op, u8 a, u8 b) {
  switch (op) {
    case 5: return a > b ? a : b;  // logical or
    case 6: return a < b ? a : b;  // logical and
    default: return from_double<u8>((double)binary_int(op, a, b));
  }
}

#define BINARY(SUFFIX, T, FN)                                                                  \
  extern "C" __global__ void binary_##SUFFIX(T *out, const T *a, const T *b, Dims d, int op) { \
    int off[2];                                                                                \
    GRID_STRIDE(i, d.n) {                                                                      \
      dims_offsets(d, i, 2, off);                                                              \
      out[i] = FN(op, a[off[0]], b[off[1]]);                                                   \
    }                                                                                          \
  }
BINARY(f32, float, binary_float<float>)
BINARY(f64, double, binary_float<double>)
BINARY(i32, int, binary_int)
BINARY(u8, u8, binary_bool)

// Same-shape operands (the common case): no index arithmetic.
#define BINARY_FLAT(SUFFIX, T, FN)                                                                 \
  extern "C" __global__ void binary_flat_##SUFFIX(T *out, const T *a, const T *b, int n, int op) { \
    GRID_STRIDE(i, n) out[i] = FN(op, a[i], b[i]);                                                 \
  }
BINARY_FLAT(f32, float, binary_float<float>)
BINARY_FLAT(f64, double, binary_float<double>)
BINARY_FLAT(i32, int, binary_int)
BINARY_FLAT(u8, u8, binary_bool)

// ---------------------------------------------------------------- compare, where, clamp

template <class T> __device__ __forceinline__ u8 compare_op(int op, T a, T b) {
  switch (op) {
    case 0: return a == b;
    case 1: return a != b;
    case 2: return a < b;
    case 3: return a <= b;
    case 4: return a > b;
    default: return a >= b;
  }
}

#define COMPARE(SUFFIX, T)                                                                       \
  extern "C" __global__ void compare_##SUFFIX(u8 *out, const T *a, const T *b, Dims d, int op) { \
    int off[2];                                                                                  \
    GRID_STRIDE(i, d.n) {                                                                        \
      dims_offsets(d, i, 2, off);                                                                \
      out[i] = compare_op<T>(op, a[off[0]], b[off[1]]);                                          \
    }                                                                                            \
  }
COMPARE(f32, float)
COMPARE(f64, double)
COMPARE(i32, int)
COMPARE(u8, u8)

#define WHERE(SUFFIX, T)                                                                           \
  extern "C" __global__ void where_##SUFFIX(T *out, const u8 *c, const T *a, const T *b, Dims d) { \
    int off[3];                                                                                    \
    GRID_STRIDE(i, d.n) {                                                                          \
      dims_offsets(d, i, 3, off);                                                                  \
      out[i] = c[off[0]] ? a[off[1]] : b[off[2]];                                                  \
    }                                                                                              \
  }
WHERE(f32, float)
WHERE(f64, double)
WHERE(i32, int)
WHERE(u8, u8)

// min(max(x, lo), hi) as torch.clamp (lo > hi gives hi; NaN stays NaN); bounds may be infinite.
#define CLAMP(SUFFIX, T)                                                                            \
  extern "C" __global__ void clamp_##SUFFIX(T *out, const T *x, int n, double lo, double hi) {     \
    GRID_STRIDE(i, n) {                                                                             \
      double v = (double)x[i];                                                                      \
      double w = v < lo ? lo : v;                                                                   \
      out[i] = from_double<T>(w > hi ? hi : w);                                                     \
    }                                                                                               \
  }
CLAMP(f32, float)
CLAMP(f64, double)
CLAMP(i32, int)
CLAMP(u8, u8)

// fill for 8-byte elements (4- and 1-byte fills are driver memsets).
extern "C" __global__ void fill_f64(double *out, int n, double v) { GRID_STRIDE(i, n) out[i] = v; }

// ---------------------------------------------------------------- cast

template <class To, class From> __device__ __forceinline__ To cast_one(From x) {
  return from_double<To>((double)x);
}
#define CAST(NAME, TO, FROM) \
  extern "C" __global__ void cast_##NAME(TO *out, const FROM *x, int n) { GRID_STRIDE(i, n) out[i] = cast_one<TO, FROM>(x[i]); }
CAST(f32_f64, float, double)
CAST(f32_i32, float, int)
CAST(f32_u8, float, u8)
CAST(f64_f32, double, float)
CAST(f64_i32, double, int)
CAST(f64_u8, double, u8)
CAST(i32_f32, int, float)
CAST(i32_f64, int, double)
CAST(i32_u8, int, u8)
CAST(u8_f32, u8, float)
CAST(u8_f64, u8, double)
CAST(u8_i32, u8, int)

// ---------------------------------------------------------------- activation gradients, in-place add

// tanhGrad: g·(1 − y²); sigmoidGrad: g·(y·(1 − y)), in the element type as the CPU kernel.
#define ACT_GRAD(SUFFIX, T)                                                                              \
  extern "C" __global__ void act_grad_##SUFFIX(T *out, const T *y, const T *g, int n, int sigmoid) {    \
    GRID_STRIDE(i, n) {                                                                                  \
      double yv = (double)y[i];                                                                          \
      out[i] = (T)(sigmoid ? (double)g[i] * (yv * (1.0 - yv)) : (double)g[i] * (1.0 - yv * yv));        \
    }                                                                                                    \
  }
ACT_GRAD(f32, float)
ACT_GRAD(f64, double)

// addInto: dst += src (a gradient sum the autograd engine owns).
#define ADD_INTO(SUFFIX, T) \
  extern "C" __global__ void add_into_##SUFFIX(T *dst, const T *src, int n) { GRID_STRIDE(i, n) dst[i] += src[i]; }
ADD_INTO(f32, float)
ADD_INTO(f64, double)
