/**
 * `import '@rnn/backend-cuda/register'` registers the CUDA backend as `'cuda'` (priority above the
 * CPU and WebGPU backends) as a side effect. Nothing is loaded until a backend is created.
 */
import { registerCudaBackend } from './cuda-backend';

registerCudaBackend();
