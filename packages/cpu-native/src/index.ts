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

/** Thread control of the native GEMM. */
export interface NativeThreads {
  /** Sets the threads used by large products (the caller's included); returns the number in effect. */
  setThreads(n: number): number;
  /** Threads used by large products. */
  getThreads(): number;
}

/** What the prebuilt addon exports (see `src/native/addon.c`). */
export interface NativeModule extends NativeKernels, NativeThreads {
  /** The micro-kernel chosen for this CPU: `"avx512"` or `"avx2"`. */
  readonly kernel: string;
}

/** The native kernels, as plugged into `@rnn/tensor` (every optional one present), plus their thread control. */
export interface CpuNative extends NativeKernels, NativeThreads {
  /** Short description for reports, e.g. `"cpu-native avx512, 2 threads"`. */
  readonly name: string;
  /** The micro-kernel in use: `"avx512"` or `"avx2"`. */
  readonly kernel: string;
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
}

/** Why the native kernels are or are not in use, as {@link installCpuNative} reports it. */
export interface CpuNativeStatus {
  /** Whether the native kernels are plugged into the CPU backend. */
  active: boolean;
  /** Their description when active (`"cpu-native avx512, 2 threads"`), else why not. */
  reason: string;
}

let lastError = '';

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
 * `RNN_NO_NATIVE=1` is set, there is no prebuilt binary for this platform, or the CPU lacks AVX2/FMA.
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
  const threads = mod.setThreads(options.threads ?? defaultThreads());
  const { kernel, setThreads, getThreads, ...kernels } = mod;
  return {
    ...kernels,
    get name() {
      return `cpu-native ${kernel}, ${getThreads()} thread${getThreads() === 1 ? '' : 's'}`;
    },
    kernel,
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
 * (`"cpu-native avx2, 4 threads"`), or why they did not load (`"disabled by RNN_NO_NATIVE"`, no
 * prebuilt binary for this platform, a CPU without AVX2/FMA), or that they were unplugged.
 */
export function cpuNativeStatus(): CpuNativeStatus {
  const current = getCpuAccelerator();
  if (current?.name.startsWith('cpu-native')) return { active: true, reason: current.name };
  if (current) return { active: false, reason: `other native kernels are plugged in: ${current.name}` };
  return { active: false, reason: lastError || 'unplugged (uninstallCpuNative or setCpuAccelerator(null))' };
}
