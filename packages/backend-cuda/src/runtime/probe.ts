import { KERNEL_SOURCES_HASH } from '../kernels/sources.generated';
import { type CudaAddon, type DeviceInfo, type DriverStatus, loadAddon } from './addon';
import { type LibraryKind, type SearchHost, searchLibrary, systemSearchHost } from './library-search';

/** Why the backend is or is not available (`'available'` when it is). */
export type ProbeCode =
  | 'available'
  | 'no-addon'
  | 'no-driver'
  | 'driver-error'
  | 'no-device'
  | 'driver-too-old'
  | 'unsupported-arch';

/** How the kernels get compiled for the GPU. */
export interface KernelPlan {
  /** `'nvrtc'`: compiled at run time for this GPU; `'ptx'`: the PTX built into the addon, JIT-compiled by the driver. */
  compiler: 'nvrtc' | 'ptx';
  /** NVRTC's target (`sm_90`: a cubin; `compute_90`: PTX for a newer GPU) or the prebuilt PTX's (`compute_75`). */
  target: string;
}

/** What {@link probeCuda} found. */
export interface CudaProbe {
  /** Whether `setBackend('cuda')` can work here. */
  available: boolean;
  code: ProbeCode;
  /** One sentence: what is there, or what is missing and how to fix it. */
  reason: string;
  /** The GPU, when the driver found one. */
  device?: {
    ordinal: number;
    name: string;
    computeCapability: [number, number];
    memoryBytes: number;
    multiprocessors: number;
  };
  /** The driver's CUDA version, e.g. `"13.0"`. */
  driverVersion?: string;
  kernels?: KernelPlan;
  /** `'cublas'`, or `'kernel'` (the built-in GEMM, slower) when cuBLAS was not found. */
  matmul?: 'cublas' | 'kernel';
  /** The libraries loaded, by path. */
  libraries: { driver?: string; nvrtc?: string; cublas?: string };
  /** Fallbacks in use and other things worth knowing (NVRTC or cuBLAS missing, and what is used instead). */
  notes: string[];
}

/** Oldest driver API the addon uses (CUDA 11.0). */
export const MIN_DRIVER_VERSION = 11000;
/** Oldest GPU architecture the kernels are written for (Volta: double atomics, warp shuffles with masks). */
export const MIN_COMPUTE_CAPABILITY = 70;

/** Outcome of loading one library. */
export interface LibraryFacts {
  loaded: boolean;
  path?: string;
  /** Candidates tried, in order. */
  tried: readonly string[];
  errors: readonly string[];
}

/** Everything the decision is made from (gathered by {@link gatherFacts}; built by hand in tests). */
export interface ProbeFacts {
  ordinal: number;
  addonError?: string;
  driver: LibraryFacts;
  init?: DriverStatus;
  device?: DeviceInfo;
  nvrtc: LibraryFacts & { version?: [number, number]; archs?: readonly number[] };
  cublas: LibraryFacts;
  /** The PTX built into the addon: its target and PTX ISA version; absent when it has none or it is stale. */
  fallback?: { arch: number; isa: [number, number] };
}

const CUDA_ERROR_STUB_LIBRARY = 34;
const CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
const CUDA_ERROR_NO_DEVICE = 100;

const cudaVersion = (v: number) => `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
const NVRTC_PIP = 'pip install nvidia-cuda-nvrtc-cu12 (or -cu13), or install the CUDA toolkit';

/** The CUDA version whose driver first loads PTX of this ISA version (ISA 9.x: CUDA 13.x, 8.x: 12.x, 7.x: 11.x). */
export function driverForPtxIsa([major, minor]: [number, number]): number {
  const cuda = major >= 9 ? major + 4 : major === 8 ? 12 : 11;
  return cuda * 1000 + minor * 10;
}

/** Parses `.version X.Y` of a PTX module. */
export function ptxIsaVersion(ptx: string): [number, number] | undefined {
  const m = /^\s*\.version\s+(\d+)\.(\d+)/m.exec(ptx);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function tried(f: LibraryFacts): string {
  if (f.tried.length === 0) return 'nothing: it is turned off';
  const shown = f.tried.slice(0, 6).join(', ');
  return f.tried.length > 6 ? `${shown}, … (${f.tried.length} in all)` : shown;
}

/**
 * Decides from the facts whether the backend can run, and if not, the one reason with its fix. Pure:
 * every failure path is tested with facts made by hand.
 */
export function decide(f: ProbeFacts): CudaProbe {
  const libraries = { driver: f.driver.path, nvrtc: f.nvrtc.path, cublas: f.cublas.path };
  const fail = (code: ProbeCode, reason: string, extra: Partial<CudaProbe> = {}): CudaProbe => ({
    available: false,
    code,
    reason,
    libraries,
    notes: [],
    ...extra,
  });
  if (f.addonError) return fail('no-addon', f.addonError);
  if (!f.driver.loaded) {
    return fail(
      'no-driver',
      `no NVIDIA driver: libcuda.so.1 was not found (tried ${tried(f.driver)}). Install the NVIDIA driver, ` +
        'or set RNN_CUDA_DRIVER to the path of libcuda.so.1',
    );
  }
  const init = f.init!;
  const driverVersion = init.version ? cudaVersion(init.version) : undefined;
  if (init.status === CUDA_ERROR_STUB_LIBRARY) {
    return fail(
      'no-driver',
      `${f.driver.path} is the CUDA toolkit's stub library, not a driver: install the NVIDIA driver ` +
        '(and remove the stubs directory from LD_LIBRARY_PATH)',
    );
  }
  if (
    init.status === CUDA_ERROR_INSUFFICIENT_DRIVER ||
    (init.version > 0 && init.version < MIN_DRIVER_VERSION)
  ) {
    return fail(
      'driver-too-old',
      `the NVIDIA driver supports CUDA ${driverVersion ?? 'unknown'}, @rnn/backend-cuda needs CUDA ` +
        `${cudaVersion(MIN_DRIVER_VERSION)} or newer: update the NVIDIA driver`,
      { driverVersion },
    );
  }
  if (init.status === CUDA_ERROR_NO_DEVICE || (init.status === 0 && init.devices === 0)) {
    const visible = process.env.CUDA_VISIBLE_DEVICES;
    return fail(
      'no-device',
      'the NVIDIA driver found no GPU' +
        (visible !== undefined ? ` (CUDA_VISIBLE_DEVICES is "${visible}")` : '') +
        ': check `nvidia-smi`, and in a container run it with the GPU passed through (--gpus all)',
      { driverVersion },
    );
  }
  if (init.status !== 0) {
    return fail(
      'driver-error',
      `the NVIDIA driver failed to initialize (cuInit: ${init.name}): check \`nvidia-smi\`; after a driver ` +
        'update the kernel module may need a reboot',
      { driverVersion },
    );
  }
  if (f.ordinal >= init.devices || !f.device) {
    return fail(
      'no-device',
      `GPU ${f.ordinal} was requested but the driver sees ${init.devices} (ordinals 0 to ${init.devices - 1})`,
      { driverVersion },
    );
  }
  const dev = f.device;
  const sm = dev.major * 10 + dev.minor;
  const device = {
    ordinal: f.ordinal,
    name: dev.name,
    computeCapability: [dev.major, dev.minor] as [number, number],
    memoryBytes: dev.totalMemory,
    multiprocessors: dev.multiprocessors,
  };
  const base = { driverVersion, device };
  if (sm < MIN_COMPUTE_CAPABILITY) {
    return fail(
      'unsupported-arch',
      `${dev.name} has compute capability ${dev.major}.${dev.minor}; @rnn/backend-cuda needs 7.0 or newer (Volta and later)`,
      base,
    );
  }

  // Kernels: NVRTC for this GPU when it can, else the prebuilt PTX.
  const notes: string[] = [];
  let plan: KernelPlan | undefined;
  let nvrtcProblem = '';
  if (f.nvrtc.loaded && f.nvrtc.version) {
    const [maj, min] = f.nvrtc.version;
    const nvrtcVersion = maj * 1000 + min * 10;
    const archs = f.nvrtc.archs ?? [];
    if (maj * 1000 > init.version) {
      nvrtcProblem = `NVRTC ${maj}.${min} is newer than the driver (CUDA ${driverVersion}), whose loader would reject its kernels`;
    } else if (archs.includes(sm)) {
      plan = { compiler: 'nvrtc', target: `sm_${sm}` };
    } else if (archs.length > 0 && sm > Math.max(...archs)) {
      if (init.version >= nvrtcVersion) plan = { compiler: 'nvrtc', target: `compute_${Math.max(...archs)}` };
      else
        nvrtcProblem = `NVRTC ${maj}.${min} does not know sm_${sm} and the driver (CUDA ${driverVersion}) cannot load its newer PTX`;
    } else {
      nvrtcProblem = `NVRTC ${maj}.${min} cannot compile for sm_${sm} (it targets ${archs.length ? `sm_${Math.min(...archs)} to sm_${Math.max(...archs)}` : 'no architecture'})`;
    }
  }
  if (!plan) {
    const fb = f.fallback;
    const needs = fb ? driverForPtxIsa(fb.isa) : 0;
    if (fb && sm >= fb.arch && init.version >= needs) {
      plan = { compiler: 'ptx', target: `compute_${fb.arch}` };
      notes.push(
        (nvrtcProblem || `NVRTC was not found (tried ${tried(f.nvrtc)})`) +
          `: using the prebuilt PTX (compute_${fb.arch}), compiled by the driver on first use`,
      );
    } else {
      const why = nvrtcProblem || 'NVRTC was not found';
      if (!fb) {
        return fail('no-driver', `${why}, and this addon has no prebuilt kernels: ${NVRTC_PIP}`, base);
      }
      if (sm < fb.arch) {
        return fail(
          'unsupported-arch',
          `${dev.name} (compute capability ${dev.major}.${dev.minor}) is older than the prebuilt kernels ` +
            `(compute_${fb.arch}) and ${why}: install NVRTC from CUDA 12 ` +
            '(pip install nvidia-cuda-nvrtc-cu12) to compile the kernels for this GPU',
          base,
        );
      }
      return fail(
        'driver-too-old',
        `the driver supports CUDA ${driverVersion} but the prebuilt kernels need CUDA ${cudaVersion(needs)}, ` +
          `and ${why}: update the NVIDIA driver, or install NVRTC for ` +
          `CUDA ${Math.floor(init.version / 1000)} (pip install nvidia-cuda-nvrtc-cu${Math.floor(init.version / 1000)})`,
        base,
      );
    }
  }
  const matmul = f.cublas.loaded ? 'cublas' : 'kernel';
  if (!f.cublas.loaded) {
    notes.push(
      `cuBLAS was not found (tried ${tried(f.cublas)}): matmul uses the built-in kernel, which is slower; ` +
        'pip install nvidia-cublas-cu12 (or -cu13), or install the CUDA toolkit',
    );
  }
  const compiler =
    plan.compiler === 'nvrtc'
      ? `NVRTC ${f.nvrtc.version!.join('.')} (${plan.target})`
      : `prebuilt PTX (${plan.target})`;
  return {
    available: true,
    code: 'available',
    reason: `${dev.name} (compute capability ${dev.major}.${dev.minor}), driver CUDA ${driverVersion}, kernels: ${compiler}, matmul: ${matmul === 'cublas' ? 'cuBLAS' : 'built-in kernel'}`,
    ...base,
    kernels: plan,
    matmul,
    libraries,
    notes,
  };
}

function load(addon: CudaAddon, kind: LibraryKind, host: SearchHost): LibraryFacts {
  const search = searchLibrary(kind, host);
  const r = addon.loadLibrary(kind, search.candidates, search.preload);
  return { loaded: r.ok, path: r.path, tried: search.candidates, errors: r.errors };
}

/** Loads what it can and asks the driver; never throws (an unexpected error becomes `addonError`). */
export function gatherFacts(ordinal: number, host: SearchHost = systemSearchHost()): ProbeFacts {
  const none: LibraryFacts = { loaded: false, tried: [], errors: [] };
  const { addon, error } = loadAddon();
  if (!addon) return { ordinal, addonError: error, driver: none, nvrtc: none, cublas: none };
  try {
    const driver = load(addon, 'driver', host);
    if (!driver.loaded) return { ordinal, driver, nvrtc: none, cublas: none };
    const init = addon.driverInit();
    const device = init.status === 0 && ordinal < init.devices ? addon.deviceInfo(ordinal) : undefined;
    const nvrtcLib = load(addon, 'nvrtc', host);
    const nvrtc: ProbeFacts['nvrtc'] = { ...nvrtcLib };
    if (nvrtcLib.loaded) {
      const info = addon.nvrtcInfo();
      nvrtc.version = [info.major, info.minor];
      nvrtc.archs = info.archs;
    }
    const cublas = load(addon, 'cublas', host);
    return { ordinal, driver, init, device, nvrtc, cublas, fallback: fallbackFacts(addon) };
  } catch (e) {
    return {
      ordinal,
      addonError: `probing CUDA failed: ${(e as Error).message}`,
      driver: none,
      nvrtc: none,
      cublas: none,
    };
  }
}

/** The addon's prebuilt PTX, when it was built from the kernel sources of this package version. */
export function fallbackFacts(addon: CudaAddon): ProbeFacts['fallback'] {
  const fb = addon.fallbackPtx();
  const first = Object.values(fb.modules)[0];
  const isa = first ? ptxIsaVersion(first) : undefined;
  if (!isa || fb.hash !== KERNEL_SOURCES_HASH) return undefined;
  return { arch: Number(fb.arch.replace(/\D/g, '')), isa };
}

const probes = new Map<number, CudaProbe>();

/**
 * Whether the CUDA backend can run here, and why not: loads the addon and the libraries (at most
 * once per process) and asks the driver. Never throws. `setBackend('cuda')` rejects with the same
 * `reason` when `available` is false.
 *
 * @example
 * ```ts
 * const p = probeCuda();
 * console.log(p.available ? `CUDA: ${p.reason}` : `no CUDA: ${p.reason}`);
 * ```
 */
export function probeCuda(options: { ordinal?: number; refresh?: boolean } = {}): CudaProbe {
  const ordinal = options.ordinal ?? 0;
  let p = options.refresh ? undefined : probes.get(ordinal);
  if (!p) {
    p = decide(gatherFacts(ordinal));
    probes.set(ordinal, p);
  }
  return p;
}
