/**
 * `@rnn/nn`'s own PyTorch-parity test files (recurrent layers in float64 fused and composite, cells,
 * Linear / Embedding / LayerNorm, norms and activations) with the emulated GPU (see
 * emulated-conformance.test.ts) as the default backend: every layer through the CUDA kernels.
 */
import { setBackend } from '@rnn/tensor';
import { afterAll } from 'vitest';
import { useFakeCuda } from './fake-cuda/setup';

useFakeCuda({ emulate: true });
const { registerCudaBackend } = await import('../src/index');

// The parity files read values with dataSync: the backend with synchronous reads.
registerCudaBackend({ name: 'cuda-sync', syncReads: true });
await setBackend('cuda-sync');
await import('../../nn/test/rnn-parity.test');
await import('../../nn/test/layers-parity.test');
await import('../../nn/test/norm-activations-parity.test');

afterAll(async () => {
  await setBackend('cpu');
});
