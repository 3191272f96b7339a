// Shared by every kernel module (prepended to each .cu file before NVRTC or nvcc compiles it): integer
// types, the shape/stride block of broadcasting and strided kernels, grid-stride loops, conversions
// with JavaScript's semantics, and the index-error flag. No #include: NVRTC compiles this as it is.
typedef unsigned char u8;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

#define MAX_RANK 8

// Up to four operands walked over one index space (the output's shape): offset of operand k at
// output index i = sum_d coord_d(i) * stride[k][d]. Packed by src/device/args.ts (`dims`).
struct Dims {
  int shape[MAX_RANK];
  int stride[4][MAX_RANK];
  int rank;
  int n;  // number of output elements
};

__device__ __forceinline__ void dims_offsets(const Dims &d, int i, int nops, int *off) {
  for (int k = 0; k < nops; k++) off[k] = 0;
  for (int r = d.rank - 1; r >= 0; r--) {
    int s = d.shape[r];
    int c = i % s;
    i /= s;
    for (int k = 0; k < nops; k++) off[k] += c * d.stride[k][r];
  }
}

#define GRID_STRIDE(i, n) \
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// JavaScript's ToInt32 (what storing a number into an Int32Array does): truncate, wrap modulo 2^32,
// NaN and infinities to 0.
__device__ __forceinline__ int to_int32(double x) {
  if (!(x - x == 0.0)) return 0;  // NaN or infinite
  double t = trunc(x);
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int)(u32)(u64)m;
}

// Storing a double into each element type, as the CPU backend's typed arrays do.
template <class T> __device__ __forceinline__ T from_double(double v);
template <> __device__ __forceinline__ float from_double<float>(double v) { return (float)v; }
template <> __device__ __forceinline__ double from_double<double>(double v) { return v; }
template <> __device__ __forceinline__ int from_double<int>(double v) { return to_int32(v); }
template <> __device__ __forceinline__ u8 from_double<u8>(double v) { return v != 0.0 ? 1 : 0; }

__device__ __forceinline__ double sigmoid_d(double v) {
  if (v >= 0) return 1.0 / (1.0 + exp(-v));
  double e = exp(v);
  return e / (1.0 + e);
}

// The index-error flag (src/device/index-errors.ts): words claimed, site, value, position, limit.
// The first bad index wins the compare-and-swap and writes its report; the kernel then uses a safe
// value instead of reading or writing out of bounds.
__device__ __forceinline__ bool index_ok(u32 *flag, int site, int v, int pos, int limit) {
  if (v >= 0 && v < limit) return true;
  if (atomicCAS(flag, 0u, 1u) == 0u) {
    flag[1] = (u32)site;
    flag[2] = (u32)v;
    flag[3] = (u32)pos;
    flag[4] = (u32)limit;
  }
  return false;
}

// Block-wide sum of doubles (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ __forceinline__ double block_sum(double v, double *shared32) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared32[warp] = v;
  __syncthreads();
  v = lane < warps ? shared32[lane] : 0.0;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// atomicAdd for each float type (double atomics need sm_60, which every supported GPU has).
__device__ __forceinline__ void atomic_add(float *p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double *p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int *p, int v) { atomicAdd(p, v); }

#define NAN_D __longlong_as_double(0x7ff8000000000000LL)
#define INF_D __longlong_as_double(0x7ff0000000000000LL)
