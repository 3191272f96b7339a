/**
 * `@rnn/cpu-native`: optional prebuilt native kernels for the CPU backend of `@rnn/tensor` in Node.
 * `import '@rnn/cpu-native/register'` plugs them in where they load (or call {@link installCpuNative}
 * for options); elsewhere the CPU backend keeps its pure JavaScript kernels and
 * {@link cpuNativeStatus} says why. This entry itself has no side effects. In browsers both entries
 * resolve to stubs that do nothing.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type CpuAccelerator, getCpuAccelerator, setCpuAccelerator } from '@rnn/tensor/backend';

/** Every kernel of the accelerator contract: the addon implements all of them. */
export type NativeKernels = Required<Omit<CpuAccelerator, 'name'>>;

/** A cache level as cpuid reports it. */
export interface CacheInfo {
  level: number;
  /** `"D"` data, `"I"` instruction, `"U"` unified. */
  type: 'D' | 'I' | 'U';
  /** Bytes. */
  size: number;
  /** Line size in bytes. */
  line: number;
  ways: number;
  /** Logical processors sharing it. */
  sharedBy: number;
}

/** What the CPU is, read with cpuid on x86-64 (on arm64 only `vendor: "arm64"` and NEON). */
export interface CpuInfo {
  vendor: string;
  /** The brand string, e.g. `"AMD EPYC 9R14 96-Core Processor"` (what a hypervisor passes through). */
  brand: string;
  /** Family and model as the vendor defines them (extended fields added): Zen 4 is AMD family 25, Zen 5 family 26. */
  family: number;
  model: number;
  stepping: number;
  features: { avx2: boolean; fma: boolean; avx512f: boolean; avx512vl: boolean; neon: boolean };
  caches: CacheInfo[];
}

/**
 * Machine classes of the native GEMM on x86-64: `"avx512"` (AVX-512 on full-width units: Zen 5,
 * Intel Xeon), `"avx512-256"` (AVX-512 executed on 256-bit units: Zen 4), `"avx2"` (AVX2+FMA only);
 * `"neon"` on arm64.
 */
export type MachineClass = 'avx512' | 'avx512-256' | 'avx2' | 'neon' | 'portable';

/** The GEMM's configuration: a machine class's micro-kernel, blocking, loop order and thresholds. */
export interface GemmConfig {
  machineClass: MachineClass;
  /** The micro-kernel: `"avx512"` (12 x 32), `"avx2"` (6 x 16) or `"neon"` (8 x 12). */
  kernel: string;
  /** The micro-kernel's tile of C. */
  mr: number;
  nr: number;
  /** Blocking: k per block, rows of A per packed block, columns of B per packed block. */
  kc: number;
  mc: number;
  nc: number;
  /** Which sliver stays in L1 while the other operand's block streams from L2. */
  order: 'a-sliver-in-l1' | 'b-sliver-in-l1';
  /** Products under this many multiply-adds stay on the calling thread. */
  parallelMin: number;
  /** Products with at most this many rows read B in place instead of packing it. */
  directBMaxRows: number;
  /** Whether this CPU can run the class. */
  supported: boolean;
  /** Why the class in effect was chosen (only from {@link NativeMachine.gemmConfig}). */
  reason?: string;
}

/** Overrides of a class's blocking and thresholds (for tuning experiments). */
export interface GemmOverrides {
  kc?: number;
  mc?: number;
  nc?: number;
  /** 1: keep the A sliver in L1 (`"a-sliver-in-l1"`), 0: the B sliver. */
  aInL1?: number;
  parallelMin?: number;
  directBMaxRows?: number;
}

/** What the addon knows and measures about the machine, and the GEMM's machine class. */
export interface NativeMachine {
  /** The CPU: vendor, brand, family/model, features, caches. */
  cpuInfo(): CpuInfo;
  /** The GEMM configuration in effect, and why its class was chosen. */
  gemmConfig(): GemmConfig;
  /** Every machine class of this build, with whether this CPU can run it. */
  gemmClasses(): GemmConfig[];
  /**
   * Switches the GEMM to a machine class (optionally with overrides); `false` when it is unknown,
   * this CPU cannot run it, or the overrides do not fit its tile.
   */
  setGemmClass(name: MachineClass, overrides?: GemmOverrides): boolean;
  /**
   * Measured single-precision FMA peak: `threads` threads running independent FMA chains of
   * `bits`-bit vectors (256 or 512 on x86-64, 128 on arm64) for `seconds`. `gflops` by the wall
   * clock; `gflopsByCpuTime` sums each thread's FLOPs per second of its own CPU time, so other
   * processes on the machine do not lower it (on an idle machine both agree). -1 when this CPU
   * cannot run that width.
   */
  fmaPeak(threads: number, bits: number, seconds: number): { gflops: number; gflopsByCpuTime: number };
}

/** Thread control of the native GEMM. */
export interface NativeThreads {
  /** Sets the threads used by large products (the caller's included); returns the number in effect. */
  setThreads(n: number): number;
  /** Threads used by large products. */
  getThreads(): number;
}

/** What the prebuilt addon exports (see `src/native/addon.c`). */
export interface NativeModule extends NativeKernels, NativeThreads, NativeMachine {
  /** The micro-kernel of the class chosen at load: `"avx512"` or `"avx2"` (or `"neon"`). */
  readonly kernel: string;
}

/** The native kernels, as plugged into `@rnn/tensor` (every optional one present), plus their thread control. */
export interface CpuNative extends NativeKernels, NativeThreads {
  /**
   * Short description for reports: the micro-kernel and threads, e.g. `"cpu-native avx512, 2 threads"`
   * (the machine class and blocking: `machine.gemmConfig()`).
   */
  readonly name: string;
  /** The micro-kernel in use: `"avx512"` or `"avx2"` (or `"neon"`). */
  readonly kernel: string;
  /** The machine: CPU, GEMM class (and switching it), measured FMA peak. */
  readonly machine: NativeMachine;
}

/** Options of {@link loadCpuNative} and {@link installCpuNative}. */
export interface LoadOptions {
  /**
   * Threads for large GEMMs (default: `RNN_NUM_THREADS`, else the machine's available parallelism,
   * at most 16).
   */
  threads?: number;
  /** Path of the `.node` file (default: the prebuilt one for this platform). */
  path?: string;
  /**
   * Forces the GEMM's machine class (default: `RNN_CPU_CLASS`, else detected from the CPU). Where
   * this CPU cannot run it, the addon is not loaded and {@link nativeLoadError} says why.
   */
  machineClass?: MachineClass;
}

/** Why the native kernels are or are not in use, as {@link installCpuNative} reports it. */
export interface CpuNativeStatus {
  /** Whether the native kernels are plugged into the CPU backend. */
  active: boolean;
  /** Their description when active (`"cpu-native avx512, 2 threads"`), else why not. */
  reason: string;
}

let lastError = '';
const loadedClass = new WeakMap<NativeModule, MachineClass>();

/** The prebuilt addon's path for this platform, relative to this file (`dist/` or `src/`). */
function defaultPath(): string {
  return fileURLToPath(
    new URL(`../prebuilds/${process.platform}-${process.arch}/rnn_cpu.node`, import.meta.url),
  );
}

function defaultThreads(): number {
  const env = Number(process.env.RNN_NUM_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.min(16, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Loads the prebuilt native kernels, or returns `null` (and never throws) when they cannot load:
 * `RNN_NO_NATIVE=1` is set, there is no prebuilt binary for this platform, the CPU lacks AVX2/FMA,
 * or `options.machineClass` names a class this CPU cannot run.
 * {@link nativeLoadError} then says why.
 */
export function loadCpuNative(options: LoadOptions = {}): CpuNative | null {
  lastError = '';
  if (process.env.RNN_NO_NATIVE && process.env.RNN_NO_NATIVE !== '0') {
    lastError = 'disabled by RNN_NO_NATIVE';
    return null;
  }
  let mod: NativeModule;
  try {
    mod = createRequire(import.meta.url)(options.path ?? defaultPath()) as NativeModule;
  } catch (e) {
    lastError = `could not load the native kernels: ${(e as Error).message.split('\n')[0]}`;
    return null;
  }
  // The class chosen at the module's first load (RNN_CPU_CLASS or detected) is the default of
  // every later load: a class forced by an earlier load does not stick.
  if (!loadedClass.has(mod)) loadedClass.set(mod, mod.gemmConfig().machineClass);
  const wanted = options.machineClass ?? loadedClass.get(mod)!;
  if (mod.gemmConfig().machineClass !== wanted && !mod.setGemmClass(wanted)) {
    const known = mod.gemmClasses().find((c) => c.machineClass === options.machineClass);
    lastError = known
      ? `machine class ${wanted} needs a CPU with ${known.kernel}, which this one lacks`
      : `unknown machine class ${wanted} (${mod
          .gemmClasses()
          .map((c) => c.machineClass)
          .join(', ')})`;
    return null;
  }
  const threads = mod.setThreads(options.threads ?? defaultThreads());
  const {
    kernel: _loaded,
    setThreads,
    getThreads,
    cpuInfo,
    gemmConfig,
    gemmClasses,
    setGemmClass,
    fmaPeak,
    ...kernels
  } = mod;
  const machine: NativeMachine = { cpuInfo, gemmConfig, gemmClasses, setGemmClass, fmaPeak };
  return {
    ...kernels,
    get name() {
      return `cpu-native ${gemmConfig().kernel}, ${getThreads()} thread${getThreads() === 1 ? '' : 's'}`;
    },
    get kernel() {
      return gemmConfig().kernel;
    },
    machine,
    setThreads: (n) => setThreads(n),
    getThreads: () => getThreads() || threads,
  };
}

/** Why the last {@link loadCpuNative} returned `null` (empty after a successful load). */
export function nativeLoadError(): string {
  return lastError;
}

/**
 * Loads the native kernels and plugs them into `@rnn/tensor`'s CPU backend; where they cannot load,
 * the CPU backend keeps its pure JavaScript kernels. Safe to call more than once.
 *
 * @example
 * ```ts
 * import { installCpuNative } from '@rnn/cpu-native';
 * console.log(installCpuNative().reason); // "cpu-native avx512, 2 threads"
 * ```
 */
export function installCpuNative(options: LoadOptions = {}): CpuNativeStatus {
  const native = loadCpuNative(options);
  if (!native) return { active: false, reason: lastError };
  setCpuAccelerator(native);
  return { active: true, reason: native.name };
}

/** Unplugs the native kernels: the CPU backend goes back to plain JavaScript. */
export function uninstallCpuNative(): void {
  setCpuAccelerator(null);
}

/**
 * Whether the native kernels are plugged into the CPU backend now, and why (not): their description
 * (`"cpu-native avx2, 4 threads"`: the machine class and threads), or why they did not load (`"disabled by RNN_NO_NATIVE"`, no
 * prebuilt binary for this platform, a CPU without AVX2/FMA), or that they were unplugged.
 */
export function cpuNativeStatus(): CpuNativeStatus {
  const current = getCpuAccelerator();
  if (current?.name.startsWith('cpu-native')) return { active: true, reason: current.name };
  if (current) return { active: false, reason: `other native kernels are plugged in: ${current.name}` };
  return { active: false, reason: lastError || 'unplugged (uninstallCpuNative or setCpuAccelerator(null))' };
}
