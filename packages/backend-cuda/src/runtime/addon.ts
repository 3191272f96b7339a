import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Result of the addon's `loadLibrary`. */
export interface LoadResult {
  ok: boolean;
  path?: string;
  /** One message per candidate that failed (dlerror's, or a missing symbol). */
  errors: string[];
}

/** The driver's answer to cuInit, with its CUDA version (e.g. 13000) and device count. */
export interface DriverStatus {
  status: number;
  name: string;
  version: number;
  devices: number;
}

/** What `deviceInfo` reports about one GPU. */
export interface DeviceInfo {
  name: string;
  major: number;
  minor: number;
  multiprocessors: number;
  maxThreadsPerBlock: number;
  maxSharedOptin: number;
  pciBus: number;
  totalMemory: number;
}

/** An NVRTC compilation's outcome (`image`: cubin bytes, or PTX text with its NUL). */
export interface CompileResult {
  ok: boolean;
  log: string;
  image?: Uint8Array;
  error?: string;
}

/** The exports of `rnn_cuda.node` (src/native/*.cc). Pointers and handles are plain numbers. */
export interface CudaAddon {
  readonly abi: number;
  loadLibrary(kind: 'driver' | 'nvrtc' | 'cublas', candidates: string[], preload: string[]): LoadResult;
  unloadLibraries(): void;
  driverInit(): DriverStatus;
  deviceInfo(ordinal: number): DeviceInfo;
  nvrtcInfo(): { major: number; minor: number; archs: number[] };
  libraryPaths(): { driver?: string; nvrtc?: string; cublas?: string };
  errorName(status: number): string;
  createContext(ordinal: number, options: { blas: boolean }): number;
  destroyContext(ctx: number): void;
  hasBlas(ctx: number): boolean;
  memAlloc(ctx: number, bytes: number): number;
  memFree(ctx: number, ptr: number): void;
  memInfo(ctx: number): [free: number, total: number];
  upload(ctx: number, ptr: number, data: ArrayBufferView): void;
  copy(ctx: number, dst: number, src: number, bytes: number): void;
  memset32(ctx: number, ptr: number, word: number, count: number): void;
  memset8(ctx: number, ptr: number, byte: number, count: number): void;
  read(ctx: number, segments: Float64Array): Promise<ArrayBuffer[]>;
  readBlocking(ctx: number, segments: Float64Array): ArrayBuffer[];
  setArgBuffer(ctx: number, buffer: ArrayBuffer): void;
  launch(
    ctx: number,
    fn: number,
    gx: number,
    gy: number,
    gz: number,
    bx: number,
    by: number,
    bz: number,
    sharedBytes: number,
    argBytes: number,
  ): void;
  loadModule(ctx: number, image: Uint8Array): number;
  getFunction(ctx: number, module: number, name: string): number;
  setMaxDynamicShared(ctx: number, fn: number, bytes: number): void;
  gemm(
    ctx: number,
    f64: boolean,
    transa: boolean,
    transb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    strideA: number,
    b: number,
    ldb: number,
    strideB: number,
    beta: number,
    c: number,
    ldc: number,
    strideC: number,
    batch: number,
  ): void;
  compile(source: string, name: string, options: string[], cubin: boolean): Promise<CompileResult>;
  fallbackPtx(): { hash: string; arch: string; modules: Record<string, string> };
}

/** The ABI this JavaScript expects (src/native/addon.cc `ADDON_ABI`). */
export const ADDON_ABI = 1;

/** The prebuilt addon for this platform, relative to this file (`src/runtime/` or `dist/`). */
export function defaultAddonPath(): string {
  const arch = `${process.platform}-${process.arch}`;
  const up = import.meta.url.includes('/src/runtime/') ? '../../' : '../';
  return fileURLToPath(new URL(`${up}prebuilds/${arch}/rnn_cuda.node`, import.meta.url));
}

let cached: { path: string; addon: CudaAddon | null; error: string } | undefined;

/**
 * Loads `rnn_cuda.node` (`RNN_CUDA_ADDON`, else the prebuilt one for this platform) once. Never
 * throws: `addon` is null and `error` says why when it cannot be loaded.
 */
export function loadAddon(path = process.env.RNN_CUDA_ADDON || defaultAddonPath()): {
  addon: CudaAddon | null;
  error: string;
} {
  if (cached?.path === path) return cached;
  let addon: CudaAddon | null = null;
  let error = '';
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    error = `no prebuilt addon for ${process.platform}-${process.arch} (@rnn/backend-cuda ships linux-x64 only)`;
  } else {
    try {
      addon = createRequire(import.meta.url)(path) as CudaAddon;
      if (addon.abi !== ADDON_ABI) {
        error = `the addon at ${path} has ABI ${addon.abi}, this package expects ${ADDON_ABI} (reinstall @rnn/backend-cuda)`;
        addon = null;
      }
    } catch (e) {
      error = `the prebuilt addon could not be loaded from ${path}: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  cached = { path, addon, error };
  return cached;
}
