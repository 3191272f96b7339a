/**
 * `@rnn/backend-webgpu`: the WebGPU backend of @rnn. WGSL kernels for every primitive of the
 * `@rnn/tensor` backend contract and the fused RNN kernels, on `navigator.gpu` in browsers and on
 * Dawn (the npm `webgpu` package, an optional peer dependency) in Node.
 *
 * Register the backend by importing `@rnn/backend-webgpu/register` (then `await setBackend('webgpu')`
 * or `await useBestBackend()`); this entry itself has no side effects.
 *
 * @packageDocumentation
 */

export type { PoolStats } from './device/buffer-pool';
export { sizeClass } from './device/buffer-pool';
export {
  type AdapterDescription,
  createWebGPUBackend,
  registerWebGPUBackend,
  WEBGPU_PRIORITY,
  type WebGPUBackend,
  type WebGPUBackendOptions,
} from './webgpu-backend';
