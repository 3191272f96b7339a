/**
 * The whole conformance suite of `@rnn/tensor` on the emulated GPU: the kernels' own CUDA C compiled
 * for the host and run one thread block at a time, each thread a fiber (test/emulator, built by
 * scripts/build-emulator.sh), behind the real addon, the fake NVRTC and the fake cuBLAS. Proves the
 * kernels' logic and the host code that launches them; not their speed, nor the absence of data races.
 */
import { readFileSync } from 'node:fs';
import { registerBackend } from '@rnn/tensor';
import { describeConformance } from '@rnn/tensor/testing';
import { expect, it } from 'vitest';
import { emulatorHash } from '../scripts/emulator/hash.mjs';
import { useFakeCuda } from './fake-cuda/setup';

useFakeCuda({ emulate: true });
const { createCudaBackend } = await import('../src/index');

it('the committed emulator was built from the current kernels (bash scripts/build-emulator.sh)', () => {
  const built = readFileSync(new URL('./emulator/EMULATOR_HASH', import.meta.url), 'utf8').trim();
  expect(built).toBe(emulatorHash());
});

const cuda = await createCudaBackend({ name: 'cuda' });
registerBackend('cuda', () => cuda, { priority: 20 });

// Normal random numbers: Box–Muller in double, as the CPU; float64 results may differ from V8's in the
// last bits (the host's libm here, the GPU's on a GPU).
describeConformance({
  backend: 'cuda',
  float64: true,
  tolerance: { randomNormal: { rtol: 2e-15, atol: 1e-15 } },
});
