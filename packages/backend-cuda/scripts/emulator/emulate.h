// Host prelude for the CUDA kernel modules (scripts/emulator): just enough of CUDA C for the kernels of
// src/kernels/cuda to compile as C++ and run on the CPU, one thread block at a time, each GPU thread a
// fiber, so that __syncthreads and warp shuffles behave as on a GPU. A maintainer's check
// (check-emulated.sh), not a backend: it proves the kernels' logic, not their speed or races.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>

struct EmuDim3 {
  unsigned x, y, z;
};

namespace emu {
extern EmuDim3 block_index, block_dim, grid_dim;
const EmuDim3 &thread_index();
void sync_threads();
unsigned long long exchange(unsigned long long bits, int lane_xor);
bool any_in_warp(bool p);

/** A kernel as the launcher calls it: parameters unpacked from the launch's parameter buffer. */
typedef void (*Thunk)(const char *params);
struct Entry {
  const char *name;
  Thunk thunk;
};
void register_module(const char *name, const Entry *entries, int count);

template <class T>
T read_param(const char *buf, size_t &off) {
  off = (off + alignof(T) - 1) / alignof(T) * alignof(T);
  T v;
  std::memcpy(&v, buf + off, sizeof(T));
  off += sizeof(T);
  return v;
}
template <class... A>
void invoke(void (*f)(A...), const char *buf) {
  size_t off = 0;
  (void)off;
  // a braced list is evaluated left to right: the parameters in declaration order, each aligned as
  // in the CUDA parameter buffer (natural alignment, as a C struct)
  std::tuple<A...> args{read_param<A>(buf, off)...};
  std::apply(f, args);
}
template <auto F>
void thunk(const char *params) {
  invoke(F, params);
}
}  // namespace emu

#define threadIdx (emu::thread_index())
#define blockIdx (emu::block_index)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __syncthreads() emu::sync_threads()

template <class T>
inline T __shfl_xor_sync(unsigned, T v, int lane_xor) {
  unsigned long long bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  bits = emu::exchange(bits, lane_xor);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}
inline bool __any_sync(unsigned, bool p) { return emu::any_in_warp(p); }
inline unsigned atomicCAS(unsigned *p, unsigned compare, unsigned v) {
  unsigned old = *p;
  if (old == compare) *p = v;
  return old;
}
inline float atomicAdd(float *p, float v) {
  float old = *p;
  *p = old + v;
  return old;
}
inline double atomicAdd(double *p, double v) {
  double old = *p;
  *p = old + v;
  return old;
}
inline int atomicAdd(int *p, int v) {
  int old = *p;
  *p = (int)((unsigned)old + (unsigned)v);
  return old;
}
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline double __longlong_as_double(long long x) {
  double d;
  std::memcpy(&d, &x, 8);
  return d;
}
