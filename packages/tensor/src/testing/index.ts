/**
 * `@rnn/tensor/testing`: the backend conformance suite and test helpers. Every backend runs
 * {@link describeConformance} from its own tests; {@link gradcheck} and {@link expectClose} serve any test.
 *
 * This entry imports `vitest` (an optional peer dependency of `@rnn/tensor`); the main entry never does.
 *
 * @packageDocumentation
 */
export { describeConformance } from './conformance';
export type { ConformanceOptions, FusedConformanceCase } from './context';
export { type CloseOptions, expectClose } from './expect-close';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './gradcheck';
export { type ConformanceTolerances, DEFAULT_TOLERANCES, type Tolerance } from './tolerance';

import { registerCpuBackend } from '../cpu/cpu-backend';
import { installOps } from '../ops/install';

// This entry can be loaded alone: the reference backend of the suite must be there.
installOps();
registerCpuBackend();
