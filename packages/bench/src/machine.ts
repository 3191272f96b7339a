/**
 * What `pnpm bench` says about the machine before any number: the CPU (vendor, family/model, brand,
 * caches), the GEMM's machine class and blocking and why it was chosen, and the measured FMA peak
 * (independent FMA chains per thread, at 256 and 512 bits) on 1 and N threads, from which the vector
 * width the FMA units actually execute follows (512-bit FMAs at twice the 256-bit rate: full width;
 * at the same rate: AVX-512 on 256-bit units, as on Zen 4). Matmul GFLOPS are reported as a
 * fraction of the N-thread peak.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { CacheInfo, CpuInfo, CpuNative, GemmConfig } from '@rnn/cpu-native';

/**
 * The FMA peak in GFLOPS at each vector width, on 1 thread and on `threads` threads. The rates are
 * per second of each thread's own CPU time, summed over the threads (`wall`: by the wall clock):
 * on a machine shared with other processes the wall-clock rate says how much of the CPU this run
 * got, the CPU-time rate what the cores can do.
 */
export interface FmaPeak {
  threads: number;
  seconds: number;
  /** bits → GFLOPS on one thread (absent: this CPU cannot run that width). */
  oneThread: Record<string, number>;
  /** bits → GFLOPS on `threads` threads. */
  allThreads: Record<string, number>;
  /** The same by the wall clock. */
  wallOneThread: Record<string, number>;
  wallAllThreads: Record<string, number>;
  /** The widest vector at its full rate: 512 when 512-bit FMAs ran at ≥ 1.4× the 256-bit rate. */
  executedVectorBits: number;
  /** The best rate on 1 and on `threads` threads (what matmul is compared with). */
  peakOneThread: number;
  peakAllThreads: number;
}

export interface MachineReport {
  cpu: string;
  vendor: string | null;
  family: number | null;
  model: number | null;
  stepping: number | null;
  features: CpuInfo['features'] | null;
  caches: CacheInfo[];
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  /** The GEMM's machine class, micro-kernel, blocking, thresholds, and why. */
  gemm: GemmConfig | null;
  fmaPeak: FmaPeak | null;
}

/** The brand string from /proc/cpuinfo (Linux), else what Node reports. */
function modelName(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** Measures the FMA peak: each width on 1 thread and on `threads`, best of `tries`. */
export function measureFmaPeak(native: CpuNative, threads: number, seconds = 0.2, tries = 2): FmaPeak {
  const widths = process.arch === 'x64' ? [256, 512] : [128];
  const oneThread: Record<string, number> = {};
  const allThreads: Record<string, number> = {};
  const wallOneThread: Record<string, number> = {};
  const wallAllThreads: Record<string, number> = {};
  const best = (into: Record<string, number>, bits: number, x: number) => {
    into[bits] = Math.max(into[bits] ?? 0, x);
  };
  for (let t = 0; t < tries; t++) {
    for (const bits of widths) {
      const one = native.machine.fmaPeak(1, bits, seconds);
      if (one.gflops < 0) continue;
      const all = native.machine.fmaPeak(threads, bits, seconds);
      best(oneThread, bits, one.gflopsByCpuTime);
      best(allThreads, bits, all.gflopsByCpuTime);
      best(wallOneThread, bits, one.gflops);
      best(wallAllThreads, bits, all.gflops);
    }
  }
  const g256 = oneThread[256] ?? 0;
  const g512 = oneThread[512] ?? 0;
  const executedVectorBits = process.arch !== 'x64' ? 128 : g512 >= 1.4 * g256 ? 512 : 256;
  return {
    threads,
    seconds,
    oneThread,
    allThreads,
    wallOneThread,
    wallAllThreads,
    executedVectorBits,
    peakOneThread: Math.max(...Object.values(oneThread), 0),
    peakAllThreads: Math.max(...Object.values(allThreads), 0),
  };
}

/** Everything but the peak (cheap). */
export function describeMachine(native: CpuNative | null): MachineReport {
  const info = native?.machine.cpuInfo() ?? null;
  return {
    cpu: info?.brand || modelName(),
    vendor: info?.vendor ?? null,
    family: info?.family ?? null,
    model: info?.model ?? null,
    stepping: info?.stepping ?? null,
    features: info?.features ?? null,
    caches: info?.caches ?? [],
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    gemm: native?.machine.gemmConfig() ?? null,
    fmaPeak: null,
  };
}

const kib = (b: number) => (b >= 2 ** 20 ? `${b / 2 ** 20} MiB` : `${b / 2 ** 10} KiB`);

/** The lines `pnpm bench` prints about the machine. */
export function machineLines(m: MachineReport): string[] {
  const lines = [
    `machine: ${m.cpu}${m.family !== null ? ` (${m.vendor} family ${m.family} model ${m.model} stepping ${m.stepping})` : ''}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}`,
  ];
  if (m.caches.length)
    lines.push(
      `caches: ${m.caches
        .filter((c) => c.type !== 'I')
        .map((c) => `L${c.level} ${kib(c.size)}${c.sharedBy > 1 ? ` (shared by ${c.sharedBy})` : ''}`)
        .join(', ')}`,
    );
  if (m.gemm) {
    const g = m.gemm;
    lines.push(
      `GEMM: machine class ${g.machineClass} (${g.reason}): ${g.kernel} ${g.mr}x${g.nr} micro-kernel, ` +
        `kc ${g.kc} mc ${g.mc} nc ${g.nc}, ${g.order}, threads from ${(g.parallelMin / 1e6).toFixed(0)}M multiply-adds`,
    );
  }
  const p = m.fmaPeak;
  if (p) {
    const widths = Object.keys(p.oneThread)
      .map((bits) => `${bits}-bit ${p.oneThread[bits].toFixed(1)} / ${p.allThreads[bits].toFixed(1)}`)
      .join(', ');
    const width =
      p.executedVectorBits === 256 && p.oneThread[512]
        ? '256 bits (AVX-512 runs at the 256-bit rate)'
        : `${p.executedVectorBits} bits`;
    const wall = Math.max(...Object.values(p.wallAllThreads), 0);
    lines.push(
      `FMA peak (GFLOPS per CPU-second, 1 / ${p.threads} threads): ${widths}; executed vector width ${width}; ` +
        `peak ${p.peakOneThread.toFixed(1)} / ${p.peakAllThreads.toFixed(1)} (by the wall clock ${wall.toFixed(1)} on ` +
        `${p.threads} threads${wall < 0.9 * p.peakAllThreads ? ': other processes are using the cores, timings are contaminated' : ''})`,
    );
  }
  return lines;
}
