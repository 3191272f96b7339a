/** Where the libraries are looked for, on a made-up file system. */
import { describe, expect, it } from 'vitest';
import { type SearchHost, searchLibrary, toolkitDirs } from '../src/runtime/library-search';

/** A file system of the given files (directories are implied), an environment, and Python's answer. */
function host(
  files: string[],
  env: Record<string, string> = {},
  python: string[] = [],
): SearchHost & { asked: number } {
  const h = {
    env,
    asked: 0,
    exists: (p: string) => files.some((f) => f === p || f.startsWith(`${p}/`)),
    list: (dir: string) => [
      ...new Set(
        files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0]),
      ),
    ],
    pythonNvidiaDirs: () => {
      h.asked++;
      return python;
    },
  };
  return h;
}

describe('library search', () => {
  it('the driver: the override first, then the loader (bare soname), then the usual driver directories', () => {
    const h = host(['/usr/lib64/libcuda.so.1', '/usr/local/nvidia/lib64/libcuda.so.1'], {
      RNN_CUDA_DRIVER: '/opt/fake/libcuda.so.1',
    });
    expect(searchLibrary('driver', h)).toEqual({
      candidates: [
        '/opt/fake/libcuda.so.1',
        'libcuda.so.1',
        '/usr/lib64/libcuda.so.1',
        '/usr/local/nvidia/lib64/libcuda.so.1',
      ],
      preload: [],
    });
  });

  it('NVRTC in CUDA_PATH and /usr/local/cuda* (newest first), with its builtins preloaded', () => {
    const h = host(
      [
        '/opt/cuda/lib64/libnvrtc.so.12',
        '/opt/cuda/lib64/libnvrtc-builtins.so.12.4',
        '/usr/local/cuda-12.4/lib64/libnvrtc.so.12',
        '/usr/local/cuda-13.0/lib64/libnvrtc.so.13',
        '/usr/local/cuda-13.0/lib64/libnvrtc-builtins.so.13.0',
        '/usr/local/cuda/lib64/libnvrtc.so.13',
      ],
      { CUDA_PATH: '/opt/cuda' },
    );
    const s = searchLibrary('nvrtc', h);
    expect(s.candidates).toEqual([
      'libnvrtc.so.13',
      'libnvrtc.so.12',
      'libnvrtc.so.11.2',
      '/opt/cuda/lib64/libnvrtc.so.12',
      '/usr/local/cuda/lib64/libnvrtc.so.13',
      '/usr/local/cuda-13.0/lib64/libnvrtc.so.13',
      '/usr/local/cuda-12.4/lib64/libnvrtc.so.12',
    ]);
    expect(s.preload).toEqual([
      '/opt/cuda/lib64/libnvrtc-builtins.so.12.4',
      '/usr/local/cuda-13.0/lib64/libnvrtc-builtins.so.13.0',
    ]);
  });

  it("cuBLAS from PyTorch's pip wheels (nvidia/*/lib in site-packages), with cuBLASLt preloaded", () => {
    const site = '/home/u/.venv/lib/python3.12/site-packages/nvidia';
    const h = host(
      [
        `${site}/cublas/lib/libcublas.so.12`,
        `${site}/cublas/lib/libcublasLt.so.12`,
        `${site}/cuda_nvrtc/lib/libnvrtc.so.12`,
        `${site}/cu13/lib/libcublas.so.13`,
        `${site}/cu13/lib/libcublasLt.so.13`,
      ],
      { VIRTUAL_ENV: '/home/u/.venv' },
    );
    const s = searchLibrary('cublas', h);
    expect(s.candidates.filter((c) => c.startsWith('/'))).toEqual([
      `${site}/cu13/lib/libcublas.so.13`,
      `${site}/cublas/lib/libcublas.so.12`,
    ]);
    expect(s.preload).toEqual([`${site}/cu13/lib/libcublasLt.so.13`, `${site}/cublas/lib/libcublasLt.so.12`]);
    expect(h.asked, 'Python is not asked when the wheels were found directly').toBe(0);
  });

  it('asks Python for the nvidia package only when no site-packages had it (RNN_CUDA_PYTHON=0 disables it)', () => {
    const files = ['/srv/py/nvidia/cuda_nvrtc/lib/libnvrtc.so.12'];
    const h = host(files, {}, ['/srv/py/nvidia']);
    expect(toolkitDirs(h)).toEqual(['/srv/py/nvidia/cuda_nvrtc/lib']);
    expect(h.asked).toBe(1);
    expect(searchLibrary('nvrtc', h).candidates).toContain('/srv/py/nvidia/cuda_nvrtc/lib/libnvrtc.so.12');
    const off = host(files, { RNN_CUDA_PYTHON: '0' }, ['/srv/py/nvidia']);
    expect(searchLibrary('nvrtc', off).candidates).not.toContain(
      '/srv/py/nvidia/cuda_nvrtc/lib/libnvrtc.so.12',
    );
    expect(off.asked).toBe(0);
  });

  it('conda environments keep the libraries in $CONDA_PREFIX/lib', () => {
    const h = host(['/opt/conda/envs/x/lib/libcublas.so.12'], { CONDA_PREFIX: '/opt/conda/envs/x' });
    expect(searchLibrary('cublas', h).candidates).toContain('/opt/conda/envs/x/lib/libcublas.so.12');
  });
});
