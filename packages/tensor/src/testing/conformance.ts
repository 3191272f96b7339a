import { beforeAll, describe } from 'vitest';
import { type ConformanceOptions, SuiteContext } from './context';
import { describeAutograd } from './sections/autograd';
import { describeFused } from './sections/fused';
import { describeGradients } from './sections/gradients';
import { describeOpForward } from './sections/ops';
import { describePrimitives } from './sections/primitives';

/**
 * Registers the backend conformance suite (vitest `describe`/`it` blocks) for the backend registered
 * as `options.backend`. Call it at the top level of a test file of the backend's package:
 *
 * ```ts
 * import '@rnn/backend-webgpu'; // registers "webgpu"
 * import { describeConformance } from '@rnn/tensor/testing';
 *
 * describeConformance({ backend: 'webgpu', tolerance: { float32: { rtol: 1e-5 } } });
 * ```
 *
 * It checks, on that backend:
 * 1. every primitive of the `Backend` contract, called directly, against a plain-JS reference
 *    (all dtypes, broadcasting, every transpose/batch combination of matmul, strided layouts,
 *    indexing with repeated indices, softmax, and random numbers bitwise equal to the CPU backend's);
 * 2. the forward result of every public op against the CPU backend;
 * 3. the backward of every differentiable op against float64 finite differences ({@link gradcheck});
 * 4. every fused kernel of the backend against its composite, forward and backward;
 * 5. autograd basics (accumulation, `retainGraph`, `detach`, `noGrad`, explicit gradients, no leaks).
 *
 * A backend is done when it passes all of it. Where the backend has no float64 (declared with
 * `float64: false`), the float64 cases are not registered, and its gradients are checked in float32
 * against float64 finite differences on the CPU backend.
 */
export function describeConformance(options: ConformanceOptions): void {
  const ctx = new SuiteContext(options);
  describe(`backend conformance: ${options.backend}`, () => {
    beforeAll(() => ctx.init());
    describePrimitives(ctx);
    describeOpForward(ctx);
    describeGradients(ctx);
    describeFused(ctx);
    describeAutograd(ctx);
  });
}
