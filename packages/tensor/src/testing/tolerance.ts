import type { DType } from '../dtype';

/** An elementwise tolerance: `|actual - expected| <= atol + rtol * |expected|`. */
export interface Tolerance {
  /** Relative tolerance. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/**
 * Tolerances used by {@link describeConformance}. Each field overrides the default of that check;
 * integer and bool results are always compared exactly, and uniform random numbers bit for bit.
 */
export interface ConformanceTolerances {
  /** float32 results against the plain-JS reference and the CPU backend. Default `{ rtol: 1.3e-6, atol: 1e-5 }`. */
  float32?: Partial<Tolerance>;
  /** float64 results. Default `{ rtol: 1e-7, atol: 1e-7 }` (both as `torch.testing.assert_close`). */
  float64?: Partial<Tolerance>;
  /** Gradient checks whose analytic gradient is float32 (backends without float64). Default `{ rtol: 1e-3, atol: 1e-4 }`. */
  gradFloat32?: Partial<Tolerance>;
  /** Gradient checks in float64. Default `{ rtol: 1e-5, atol: 1e-6 }`. */
  gradFloat64?: Partial<Tolerance>;
  /**
   * Normal random numbers against the CPU backend for the same key and counter. Default exact (`0, 0`):
   * the contract asks every backend for identical numbers; a backend whose `log`/`cos`/`sin` differ in
   * the last bit can state its tolerance here.
   */
  randomNormal?: Partial<Tolerance>;
}

/** The tolerances {@link describeConformance} uses when none are given. */
export const DEFAULT_TOLERANCES: Readonly<Record<keyof ConformanceTolerances, Readonly<Tolerance>>> = {
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
  gradFloat32: { rtol: 1e-3, atol: 1e-4 },
  gradFloat64: { rtol: 1e-5, atol: 1e-6 },
  randomNormal: { rtol: 0, atol: 0 },
};

/** @internal Resolved tolerances of one suite run. */
export type ResolvedTolerances = Record<keyof ConformanceTolerances, Tolerance>;

/** @internal Fills the defaults in. */
export function resolveTolerances(given: ConformanceTolerances = {}): ResolvedTolerances {
  const out = {} as ResolvedTolerances;
  for (const key of Object.keys(DEFAULT_TOLERANCES) as (keyof ConformanceTolerances)[]) {
    out[key] = { ...DEFAULT_TOLERANCES[key], ...given[key] };
  }
  return out;
}

/** @internal The tolerance for results of `dtype`: float tolerances, exact for int32 and bool. */
export function toleranceFor(dtype: DType, tol: ResolvedTolerances): Tolerance {
  if (dtype === 'float32') return tol.float32;
  if (dtype === 'float64') return tol.float64;
  return { rtol: 0, atol: 0 };
}

/** @internal Unit roundoff of a float dtype (0 for exact types). */
export function unitRoundoff(dtype: DType): number {
  return dtype === 'float32' ? 2 ** -24 : dtype === 'float64' ? 2 ** -53 : 0;
}
