/*
 * The machine's measured single-precision FMA peak: every thread runs independent chains of fused
 * multiply-adds on registers only (no memory traffic) for a fixed time. What the GEMM's GFLOPS are
 * compared with, and how the vector width a CPU actually executes is told apart (512-bit FMAs at
 * twice the 256-bit rate, or at the same rate on 256-bit units).
 */
#ifndef RNN_FMA_PEAK_H
#define RNN_FMA_PEAK_H

/* GFLOPS (2 per lane per FMA) of `threads` threads (the caller included) running FMAs of `bits`
 * (128: NEON on arm64; 256: AVX2+FMA; 512: AVX-512F) for about `seconds`, by the wall clock; -1
 * when this CPU or build cannot run that width, -2 when a thread could not start. With
 * `per_cpu_second`, also the sum over the threads of each one's FLOPs per second of its own CPU
 * time: the same rate on an idle machine, and still the machine's rate when other processes share
 * the cores (a thread that waits for a core does not count that time). */
double rnn_fma_gflops(int threads, int bits, double seconds, double *per_cpu_second);

#endif
