/*
 * FMA peak: independent accumulator chains per thread, more than latency x pipes on any current core
 * (4 cycles x 2 pipes on Zen 4/5 and Intel): 12 with 256-bit vectors (16 registers: 12 + the two
 * operands, no spill), 16 with 512-bit and NEON (32 registers); each step acc = acc * m + a. The
 * threads start together on a flag; the rate is the FLOPs of all threads over the time from the
 * start to the last thread's end.
 */
#include "fma-peak.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "cpu-info.h"

#define MAX_THREADS 64

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: what it ran, not counting the time another process had its core. */
static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs `steps` steps of CHAINS FMAs of one width; returns a value depending on every chain. */
typedef float (*fma_loop)(long long steps);

#define CHAIN_BODY(CHAINS, VEC, SET1, FMA, ADD, REDUCE)                                                  \
  VEC acc[CHAINS];                                                                                 \
  for (int i = 0; i < CHAINS; i++) acc[i] = SET1(1.0f + i * 1e-3f);                                \
  const VEC m = SET1(0.9999999f), a = SET1(1e-7f);                                                 \
  for (long long s = 0; s < steps; s++) {                                                          \
    for (int i = 0; i < CHAINS; i++) acc[i] = FMA(acc[i], m, a);                                   \
  }                                                                                                \
  VEC t = acc[0];                                                                                  \
  for (int i = 1; i < CHAINS; i++) t = ADD(t, acc[i]);                                             \
  return REDUCE(t);

#if RNN_X86
__attribute__((target("avx512f"))) static float loop512(long long steps) {
  CHAIN_BODY(16, __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_reduce_add_ps)
}
__attribute__((target("avx2,fma"))) static float first256(__m256 t) { return _mm256_cvtss_f32(t); }
__attribute__((target("avx2,fma"))) static float loop256(long long steps) {
  CHAIN_BODY(12, __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, first256)
}
#endif
#if RNN_NEON
static float32x4_t neon_fma(float32x4_t acc, float32x4_t m, float32x4_t a) { return vfmaq_f32(a, acc, m); }
static float loop128(long long steps) {
  CHAIN_BODY(16, float32x4_t, vdupq_n_f32, neon_fma, vaddq_f32, vaddvq_f32)
}
#endif

typedef struct {
  fma_loop loop;
  double seconds;
  atomic_int *go;
  long long steps; /* out */
  double end;      /* out */
  double cpu;      /* out: the thread's CPU seconds while it ran */
  volatile float sink;
} job;

/* Runs the loop in chunks until `seconds` have passed since the start flag. */
static void run_job(job *j) {
  while (!atomic_load(j->go)) {
  }
  const double start = now_seconds(), cpu0 = thread_cpu_seconds();
  const long long chunk = 20000;
  long long steps = 0;
  float sink = 0;
  do {
    sink += j->loop(chunk);
    steps += chunk;
  } while (now_seconds() - start < j->seconds);
  j->end = now_seconds();
  j->cpu = thread_cpu_seconds() - cpu0;
  j->steps = steps;
  j->sink = sink;
}

static void *thread_main(void *arg) {
  run_job(arg);
  return NULL;
}

double rnn_fma_gflops(int threads, int bits, double seconds, double *per_cpu_second) {
  fma_loop loop = NULL;
  int chains = 0; /* FMAs per step of the loop */
  rnn_cpu cpu;
  rnn_cpu_detect(&cpu);
#if RNN_X86
  if (bits == 512 && cpu.avx512f) loop = loop512, chains = 16;
  if (bits == 256 && cpu.avx2 && cpu.fma) loop = loop256, chains = 12;
#endif
#if RNN_NEON
  if (bits == 128) loop = loop128, chains = 16;
#endif
  if (!loop) return -1;
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (seconds <= 0) seconds = 0.05;
  loop(1000); /* wake the vector units up */
  /* one measurement at a time (Node worker threads may call in) */
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static job jobs[MAX_THREADS];
  pthread_mutex_lock(&lock);
  pthread_t ids[MAX_THREADS];
  atomic_int go;
  atomic_init(&go, 0);
  int started = 0;
  for (int t = 0; t < threads; t++) {
    memset(&jobs[t], 0, sizeof jobs[t]);
    jobs[t].loop = loop, jobs[t].seconds = seconds, jobs[t].go = &go;
  }
  for (int t = 1; t < threads; t++, started++)
    if (pthread_create(&ids[t], NULL, thread_main, &jobs[t]) != 0) break;
  const double start = now_seconds();
  atomic_store(&go, 1);
  if (started == threads - 1) run_job(&jobs[0]);
  else atomic_store(&go, 1);
  for (int t = 1; t <= started; t++) pthread_join(ids[t], NULL);
  double end = start, steps = 0, by_cpu = 0;
  const double flops_per_step = (double)chains * (bits / 32) * 2.0;
  for (int t = 0; t < threads; t++) {
    if (jobs[t].end > end) end = jobs[t].end;
    steps += (double)jobs[t].steps;
    /* a thread's CPU time is at most its wall time; where the clock is coarse (Windows counts CPU
     * time in 15.6 ms ticks) and reads 0 or more than that, take the wall time */
    const double wall = jobs[t].end - start;
    const double cpu = jobs[t].cpu > 0 && jobs[t].cpu <= wall ? jobs[t].cpu : wall;
    by_cpu += (double)jobs[t].steps * flops_per_step / cpu / 1e9;
  }
  pthread_mutex_unlock(&lock);
  if (started != threads - 1) return -2;
  if (per_cpu_second) *per_cpu_second = by_cpu;
  return steps * flops_per_step / (end - start) / 1e9;
}
