/*
 * What the CPU is (vendor, family/model, brand string, SIMD features, cache sizes), read once with
 * cpuid on x86-64; on other targets only what the architecture guarantees. The GEMM picks its
 * machine class from this (sgemm.c), and `pnpm bench` prints it.
 */
#ifndef RNN_CPU_INFO_H
#define RNN_CPU_INFO_H

#include "platform.h"

#define RNN_MAX_CACHES 8

typedef struct {
  int level;     /* 1, 2, 3 */
  char type;     /* 'D' data, 'I' instruction, 'U' unified */
  long long size; /* bytes */
  int line;      /* bytes */
  int ways;
  int shared_by; /* logical processors sharing it, as cpuid reports them */
} rnn_cache;

typedef struct {
  char vendor[16];  /* "AuthenticAMD", "GenuineIntel", "arm64", ... */
  char brand[64];   /* the processor brand string, trimmed */
  int family, model, stepping;
  int avx2, fma, avx512f, avx512vl, neon;
  int n_caches;
  rnn_cache caches[RNN_MAX_CACHES];
} rnn_cpu;

/* Fills `cpu` (once; later calls copy the first answer). */
void rnn_cpu_detect(rnn_cpu *cpu);
/* The size in bytes of the level-`level` data (or unified) cache, 0 when unknown. */
long long rnn_cpu_cache_size(const rnn_cpu *cpu, int level);

#endif
