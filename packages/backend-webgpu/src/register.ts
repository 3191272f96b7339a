/**
 * `import '@rnn/backend-webgpu/register'` registers the WebGPU backend as `'webgpu'`, above the CPU
 * backend, with the default options; the device is requested on first use (`await setBackend('webgpu')`
 * or `await useBestBackend()`). Once per process: a second copy of this entry (the CommonJS build
 * beside the ESM one) leaves a registered backend alone, which may be initialized already or have
 * been registered with options by `registerWebGPUBackend(options)`.
 */
import { hasBackend } from '@rnn/tensor/backend';
import { registerWebGPUBackend } from './webgpu-backend';

if (!hasBackend('webgpu')) registerWebGPUBackend();

/** The backend's type, for `(await setBackend('webgpu')) as WebGPUBackend`. */
export type { WebGPUBackend } from './webgpu-backend';
