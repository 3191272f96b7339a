import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The three libraries the backend opens at run time. */
export type LibraryKind = 'driver' | 'nvrtc' | 'cublas';

/** What the search looks at: the environment and the file system (injectable for tests). */
export interface SearchHost {
  env: Readonly<Record<string, string | undefined>>;
  exists(path: string): boolean;
  /** Entries of a directory ([] when it does not exist). */
  list(dir: string): string[];
  /**
   * The directories of Python's `nvidia` namespace package (pip wheels such as nvidia-cuda-nvrtc-cu12,
   * which PyTorch installs), asked of a Python interpreter as a last resort; [] when there is none.
   */
  pythonNvidiaDirs(): string[];
}

/** Where to look for a library: paths to try in order, and companions to load first. */
export interface LibrarySearch {
  /** Paths (or bare sonames, found by the system's loader) in the order they are tried. */
  candidates: string[];
  /** Libraries loaded globally first, beside a candidate (cuBLASLt, NVRTC's builtins). */
  preload: string[];
}

/** Library file names, newest CUDA first. */
export const SONAMES: Readonly<Record<LibraryKind, readonly string[]>> = {
  driver: ['libcuda.so.1'],
  nvrtc: ['libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so.11.2', 'libnvrtc.so'],
  cublas: ['libcublas.so.13', 'libcublas.so.12', 'libcublas.so.11', 'libcublas.so'],
};

/** Environment variables naming one exact file, tried first (`off`: do not load the library at all). */
export const OVERRIDE_VARS: Readonly<Record<LibraryKind, string>> = {
  driver: 'RNN_CUDA_DRIVER',
  nvrtc: 'RNN_CUDA_NVRTC',
  cublas: 'RNN_CUDA_CUBLAS',
};

/** Where the NVIDIA driver's libcuda.so.1 lives when the system loader does not know it. */
const DRIVER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/nvidia/lib64',
  '/usr/local/nvidia/lib',
  '/usr/lib/wsl/lib',
];

/** `cuda-13.0` before `cuda-12.4` before `cuda-12`: newest first. */
function byVersionDesc(a: string, b: string): number {
  const v = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const va = v(a);
  const vb = v(b);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const d = (vb[i] ?? -1) - (va[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Site-packages directories of the Python environments a user is likely to have. */
function sitePackages(host: SearchHost): string[] {
  const roots: string[] = [];
  const { VIRTUAL_ENV, CONDA_PREFIX, HOME } = host.env;
  if (VIRTUAL_ENV) roots.push(join(VIRTUAL_ENV, 'lib'));
  if (CONDA_PREFIX) roots.push(join(CONDA_PREFIX, 'lib'));
  if (HOME) roots.push(join(HOME, '.local', 'lib'));
  roots.push('/usr/local/lib', '/usr/lib', '/opt/conda/lib');
  const out: string[] = [];
  for (const root of roots) {
    for (const py of host
      .list(root)
      .filter((d) => /^python3/.test(d))
      .sort(byVersionDesc)) {
      for (const kind of ['site-packages', 'dist-packages']) out.push(join(root, py, kind));
    }
  }
  return out;
}

/** `nvidia/<package>/lib` directories of pip's CUDA wheels (nvidia/cu13/lib, nvidia/cuda_nvrtc/lib, ...). */
function wheelLibDirs(host: SearchHost, nvidiaDirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const base of nvidiaDirs) {
    for (const pkg of host.list(base).sort(byVersionDesc)) {
      const lib = join(base, pkg, 'lib');
      if (host.exists(lib)) out.push(lib);
    }
  }
  return out;
}

/** Toolkit and wheel directories where NVRTC and cuBLAS may be, most specific first. */
export function toolkitDirs(host: SearchHost, usePython = true): string[] {
  const dirs: string[] = [];
  for (const v of ['CUDA_PATH', 'CUDA_HOME', 'CUDA_ROOT']) {
    const p = host.env[v];
    if (p) dirs.push(join(p, 'lib64'), join(p, 'lib'), join(p, 'targets', 'x86_64-linux', 'lib'));
  }
  if (host.env.CONDA_PREFIX) dirs.push(join(host.env.CONDA_PREFIX, 'lib'));
  const local = host
    .list('/usr/local')
    .filter((d) => /^cuda(-[\d.]+)?$/.test(d))
    .sort(byVersionDesc);
  // "cuda" (the default symlink) first, then versioned installs, newest first
  local.sort((a, b) => (a === 'cuda' ? -1 : b === 'cuda' ? 1 : 0));
  for (const d of local) {
    dirs.push(join('/usr/local', d, 'lib64'), join('/usr/local', d, 'targets', 'x86_64-linux', 'lib'));
  }
  const nvidia = sitePackages(host).map((s) => join(s, 'nvidia'));
  let wheels = wheelLibDirs(
    host,
    nvidia.filter((d) => host.exists(d)),
  );
  if (wheels.length === 0 && usePython) wheels = wheelLibDirs(host, host.pythonNvidiaDirs());
  dirs.push(...wheels);
  return [...new Set(dirs)];
}

/**
 * Where to look for `kind`: the override variable's file, the bare soname (LD_LIBRARY_PATH and the
 * loader cache), then every known directory that holds one of its names. For NVRTC and cuBLAS,
 * companions found beside a candidate (libnvrtc-builtins, libcublasLt) are preloaded.
 */
export function searchLibrary(kind: LibraryKind, host: SearchHost): LibrarySearch {
  const names = SONAMES[kind];
  const candidates: string[] = [];
  const preload: string[] = [];
  const override = host.env[OVERRIDE_VARS[kind]];
  if (override === 'off') return { candidates, preload }; // RNN_CUDA_NVRTC=off: use the fallback
  if (override) candidates.push(override);
  candidates.push(...names.filter((n) => n !== 'libnvrtc.so' && n !== 'libcublas.so'));
  const dirs = kind === 'driver' ? DRIVER_DIRS : toolkitDirs(host, host.env.RNN_CUDA_PYTHON !== '0');
  for (const dir of dirs) {
    const files = host.list(dir);
    if (files.length === 0) continue;
    for (const name of names) {
      if (!files.includes(name)) continue;
      candidates.push(join(dir, name));
      const major = name.split('.so.')[1]?.split('.')[0];
      const companion =
        kind === 'nvrtc'
          ? files.filter((f) => f.startsWith(`libnvrtc-builtins.so${major ? `.${major}` : ''}`))
          : kind === 'cublas'
            ? files.filter((f) => f === `libcublasLt.so${major ? `.${major}` : ''}`)
            : [];
      for (const c of companion) preload.push(join(dir, c));
    }
  }
  return { candidates: [...new Set(candidates)], preload: [...new Set(preload)] };
}

/** The real machine. */
export function systemSearchHost(): SearchHost {
  let python: string[] | undefined;
  return {
    env: { HOME: homedir(), ...process.env },
    exists: (p) => existsSync(p),
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    pythonNvidiaDirs: () => {
      if (python) return python;
      const exe = process.env.RNN_CUDA_PYTHON || 'python3';
      const r = spawnSync(exe, ['-c', "import nvidia; print('\\n'.join(nvidia.__path__))"], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      python = r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
      return python;
    },
  };
}
