// Indexing: indexSelect (embedding lookups), indexAdd (their gradient, also in place into a running
// gradient sum), gather and scatterAdd. Every index is range-checked on the device: a bad one is
// reported through the index-error flag (thrown at the next read or sync) and replaced by a safe
// value: 0 for reads, a skipped source for the adds. The adds use atomics, so the order in which
// repeated indices are summed (and the last bits of such sums) may vary from run to run.

#define INDEX_SELECT(SUFFIX, T)                                                                            \
  extern "C" __global__ void index_select_##SUFFIX(T *out, const T *x, const int *idx, int outer, int n,  \
                                                   int m, int inner, u32 *flag, int site) {                \
    GRID_STRIDE(q, outer * m * inner) {                                                                    \
      int j = q % inner, t = q / inner, i = t % m, o = t / m;                                              \
      int v = idx[i];                                                                                      \
      out[q] = index_ok(flag, site, v, i, n) ? x[((i64)o * n + v) * inner + j] : (T)0;                     \
    }                                                                                                      \
  }
INDEX_SELECT(f32, float)
INDEX_SELECT(f64, double)
INDEX_SELECT(i32, int)
INDEX_SELECT(u8, u8)

// out[o, idx[i], j] += src[o, i, j]
#define INDEX_ADD(SUFFIX, T)                                                                                  \
  extern "C" __global__ void index_add_##SUFFIX(T *out, const int *idx, const T *src, int outer, int n, int m, \
                                                int inner, u32 *flag, int site) {                             \
    GRID_STRIDE(q, outer * m * inner) {                                                                       \
      int j = q % inner, t = q / inner, i = t % m, o = t / m;                                                 \
      int v = idx[i];                                                                                         \
      if (index_ok(flag, site, v, i, n)) atomic_add(out + ((i64)o * n + v) * inner + j, src[q]);              \
    }                                                                                                         \
  }
INDEX_ADD(f32, float)
INDEX_ADD(f64, double)
INDEX_ADD(i32, int)

// out[i] = x[xoff(i) + idx[i] * axisStride], d walks the index's shape with x's strides (0 on the axis)
#define GATHER(SUFFIX, T)                                                                                  \
  extern "C" __global__ void gather_##SUFFIX(T *out, const T *x, const int *idx, Dims d, int axisStride,  \
                                             int limit, u32 *flag, int site) {                             \
    int off[1];                                                                                            \
    GRID_STRIDE(i, d.n) {                                                                                  \
      dims_offsets(d, i, 1, off);                                                                          \
      int v = idx[i];                                                                                      \
      out[i] = index_ok(flag, site, v, i, limit) ? x[off[0] + (i64)v * axisStride] : (T)0;                 \
    }                                                                                                      \
  }
GATHER(f32, float)
GATHER(f64, double)
GATHER(i32, int)
GATHER(u8, u8)

#define SCATTER_ADD(SUFFIX, T)                                                                                \
  extern "C" __global__ void scatter_add_##SUFFIX(T *out, const int *idx, const T *src, Dims d, int axisStride, \
                                                  int limit, u32 *flag, int site) {                           \
    int off[1];                                                                                               \
    GRID_STRIDE(i, d.n) {                                                                                     \
      dims_offsets(d, i, 1, off);                                                                             \
      int v = idx[i];                                                                                         \
      if (index_ok(flag, site, v, i, limit)) atomic_add(out + off[0] + (i64)v * axisStride, src[i]);          \
    }                                                                                                         \
  }
SCATTER_ADD(f32, float)
SCATTER_ADD(f64, double)
SCATTER_ADD(i32, int)
