/**
 * `@rnn/backend-cuda`: the CUDA backend of @rnn. A prebuilt Node-API addon loads the NVIDIA driver,
 * NVRTC and cuBLAS at run time (`dlopen`), so installing needs no compiler and no CUDA SDK, and
 * importing never throws: {@link probeCuda} says whether a GPU can be used, and why not.
 *
 * ```ts
 * import { registerCudaBackend } from '@rnn/backend-cuda';
 * import { setBackend } from '@rnn/tensor';
 * registerCudaBackend();
 * await setBackend('cuda'); // a BackendError with the reason and its fix where CUDA is unavailable
 * ```
 *
 * @packageDocumentation
 */

export {
  CUDA_PRIORITY,
  type CudaBackend,
  type CudaBackendOptions,
  createCudaBackend,
  registerCudaBackend,
} from './cuda-backend';
export type { AllocatorStats } from './device/allocator';
export { sizeClass } from './device/allocator';
export { type CudaProbe, type KernelPlan, type ProbeCode, probeCuda } from './runtime/probe';
