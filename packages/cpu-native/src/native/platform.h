/*
 * What differs between the platforms the addon is built for (linux-x64, linux-arm64, win32-x64):
 * the index type, the spin-wait hint, aligned allocation, and which SIMD code compiles.
 */
#ifndef RNN_PLATFORM_H
#define RNN_PLATFORM_H

#include <stddef.h>

/* Sizes, strides and offsets: signed and 64-bit on every target (`long` is 32-bit on Windows). */
typedef ptrdiff_t rnn_isize;

#if defined(__x86_64__)
#define RNN_X86 1
#include <immintrin.h>
/* Tells the core a spin-wait loop is running. */
#define rnn_cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define RNN_NEON 1
#include <arm_neon.h>
#define rnn_cpu_relax() __asm__ __volatile__("yield")
#else
#define rnn_cpu_relax() ((void)0)
#endif

/* 64-byte aligned blocks: posix_memalign where there is one, _aligned_malloc on Windows. */
#ifdef _WIN32
#include <malloc.h>
static inline void *rnn_aligned_alloc(size_t bytes) { return _aligned_malloc(bytes, 64); }
static inline void rnn_aligned_free(void *p) { _aligned_free(p); }
#else
#include <stdlib.h>
static inline void *rnn_aligned_alloc(size_t bytes) {
  void *p = NULL;
  return posix_memalign(&p, 64, bytes) == 0 ? p : NULL;
}
static inline void rnn_aligned_free(void *p) { free(p); }
#endif

#endif
