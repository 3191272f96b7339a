import { classifierWorkload } from './classifier';
import type { WorkloadSpec } from './common';
import { lmWorkload } from './lm';
import { spinnWorkload } from './spinn';
import { taggerWorkload } from './tagger';

export { type ClassifierConfig, classifierWorkload } from './classifier';
export * from './common';
export { type LmConfig, lmWorkload } from './lm';
export { randomTransitions, type Sentence, type SpinnConfig, type SpinnData, spinnWorkload } from './spinn';
export { type TaggerConfig, type TaggerData, taggerWorkload } from './tagger';

/** The four training workloads of the benchmark, A to D. */
export const workloads: readonly WorkloadSpec<unknown>[] = [
  lmWorkload,
  classifierWorkload,
  taggerWorkload,
  spinnWorkload,
] as unknown as readonly WorkloadSpec<unknown>[];
