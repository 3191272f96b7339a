/**
 * The shared backend conformance suite of `@rnn/tensor`, on WebGPU. Stated tolerances: float32 results
 * use the suite's defaults (rtol 1.3e-6, atol 1e-5, as `torch.testing`); normal random numbers may
 * differ from the CPU backend's (computed in float64) by float32 rounding, rtol 1e-6 / atol 1e-6
 * (uniform numbers are compared bit for bit).
 */
import { describeConformance } from '@rnn/tensor/testing';
import { beforeAll } from 'vitest';
import { webgpu } from './gpu';

// Registers the backend as 'webgpu'; fails (never skips) when there is no adapter.
beforeAll(async () => {
  await webgpu();
});

describeConformance({
  backend: 'webgpu',
  float64: false,
  tolerance: { randomNormal: { rtol: 1e-6, atol: 1e-6 } },
});
