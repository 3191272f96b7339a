/**
 * Points the library search at the fake driver, NVRTC and cuBLAS of this folder (fake_cuda.c), so
 * the real addon runs its real code paths (library loading, probe, contexts, memory, pinned uploads,
 * reads, launches, cuBLAS calls) on a machine without a GPU. Call it before anything probes.
 */
import { fileURLToPath } from 'node:url';

export const FAKE_DIR = fileURLToPath(new URL('.', import.meta.url));

export function useFakeCuda(options: { nvrtc?: boolean } = {}): void {
  process.env.RNN_CUDA_DRIVER = `${FAKE_DIR}libfake_driver.so`;
  process.env.RNN_CUDA_NVRTC = options.nvrtc === false ? 'off' : `${FAKE_DIR}libfake_nvrtc.so`;
  process.env.RNN_CUDA_CUBLAS = `${FAKE_DIR}libfake_cublas.so`;
  process.env.RNN_CUDA_CACHE_DIR = 'off';
  process.env.RNN_CUDA_PYTHON = '0';
}
