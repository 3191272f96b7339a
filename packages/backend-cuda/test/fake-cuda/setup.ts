/**
 * Points the library search at the fake driver, NVRTC and cuBLAS of this folder (fake_cuda.c), so
 * the real addon runs its real code paths (library loading, probe, contexts, memory, pinned uploads,
 * reads, launches, cuBLAS calls) on a machine without a GPU. Call it before anything probes.
 */
import { fileURLToPath } from 'node:url';

export const FAKE_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The emulated GPU: the fake driver running the real kernels on the CPU (scripts/build-emulator.sh). */
export const EMULATOR = fileURLToPath(new URL('../emulator/libemu_cuda.so', import.meta.url));

export function useFakeCuda(options: { nvrtc?: boolean; emulate?: boolean; cublas?: boolean } = {}): void {
  process.env.RNN_CUDA_DRIVER = options.emulate ? EMULATOR : `${FAKE_DIR}libfake_driver.so`;
  process.env.RNN_CUDA_NVRTC = options.nvrtc === false ? 'off' : `${FAKE_DIR}libfake_nvrtc.so`;
  process.env.RNN_CUDA_CUBLAS = options.cublas === false ? 'off' : `${FAKE_DIR}libfake_cublas.so`;
  process.env.FAKE_CUDA_MEMORY ??= String(8 * 2 ** 30);
  process.env.RNN_CUDA_CACHE_DIR = 'off';
  process.env.RNN_CUDA_PYTHON = '0';
}
