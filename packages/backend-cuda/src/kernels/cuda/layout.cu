// Layout copies: `strided` (permute, expand, slice with step, flip: any strides, negative included,
// from an element offset) and concat (one launch per input, each writing its block of every row).

#define STRIDED(SUFFIX, T)                                                                        \
  extern "C" __global__ void strided_##SUFFIX(T *out, const T *x, Dims d, int offset) {          \
    int off[1];                                                                                   \
    GRID_STRIDE(i, d.n) {                                                                         \
      dims_offsets(d, i, 1, off);                                                                 \
      out[i] = x[offset + off[0]];                                                                \
    }                                                                                             \
  }
STRIDED(f32, float)
STRIDED(f64, double)
STRIDED(i32, int)
STRIDED(u8, u8)

// out[o, at + j] = x[o, j] for o < outer, j < len, rows of `total` elements in out.
#define CONCAT(SUFFIX, T)                                                                                     \
  extern "C" __global__ void concat_##SUFFIX(T *out, const T *x, int outer, int len, int total, int at) {   \
    GRID_STRIDE(q, outer * len) {                                                                             \
      int o = q / len, j = q - o * len;                                                                       \
      out[(i64)o * total + at + j] = x[q];                                                                    \
    }                                                                                                         \
  }
CONCAT(f32, float)
CONCAT(f64, double)
CONCAT(i32, int)
CONCAT(u8, u8)
