// Philox-4x32-10 keyed by the seed, exactly as @rnn/tensor's `philox4x32`: element i is lane i % 4 of
// block counter + floor(i / 4) (a 64-bit counter). Uniform = (word >> 8)·2^-24; normal = Box–Muller
// on lanes (0, 1) and (2, 3) in double, with the CPU backend's operations in the same order.
#define PHILOX_M0 0xd2511f53u
#define PHILOX_M1 0xcd9e8d57u
#define PHILOX_W0 0x9e3779b9u
#define PHILOX_W1 0xbb67ae85u

__device__ __forceinline__ void philox(u64 counter, u32 k0, u32 k1, u32 *out) {
  u32 c0 = (u32)counter, c1 = (u32)(counter >> 32), c2 = 0, c3 = 0;
  for (int r = 0; r < 10; r++) {
    u32 hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
    u32 hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

__device__ __forceinline__ double word_uniform(u32 w) { return (double)(w >> 8) * 5.9604644775390625e-8; }

// One thread per block of four elements.
template <class T>
__device__ __forceinline__ void random_body(T *out, int n, u64 counter, u32 k0, u32 k1, int normal) {
  const double TWO_PI = 6.283185307179586;
  GRID_STRIDE(b, (n + 3) / 4) {
    u32 w[4];
    philox(counter + (u64)b, k0, k1, w);
    double v[4];
    if (!normal) {
      for (int j = 0; j < 4; j++) v[j] = word_uniform(w[j]);
    } else {
      for (int j = 0; j < 4; j += 2) {
        double u1 = word_uniform(w[j]) + 5.9604644775390625e-8;  // (0, 1]: log never sees 0
        double u2 = word_uniform(w[j + 1]);
        double r = sqrt(-2.0 * log(u1));
        double a = TWO_PI * u2;
        v[j] = r * cos(a);
        v[j + 1] = r * sin(a);
      }
    }
    for (int j = 0; j < 4 && 4 * b + j < n; j++) out[4 * b + j] = (T)v[j];
  }
}

// counter as two 32-bit halves (lo, hi), key as two words.
extern "C" __global__ void random_f32(float *out, int n, u32 counterLo, u32 counterHi, u32 k0, u32 k1, int normal) {
  random_body<float>(out, n, ((u64)counterHi << 32) | counterLo, k0, k1, normal);
}
extern "C" __global__ void random_f64(double *out, int n, u32 counterLo, u32 counterHi, u32 k0, u32 k1, int normal) {
  random_body<double>(out, n, ((u64)counterHi << 32) | counterLo, k0, k1, normal);
}
