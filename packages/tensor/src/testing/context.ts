import { it } from 'vitest';
import type { Backend } from '../backend/backend';
import { initBackend } from '../backend/registry';
import type { DType } from '../dtype';
import { BackendError } from '../errors';
import type { Tensor } from '../tensor';
import { type ConformanceTolerances, type ResolvedTolerances, resolveTolerances } from './tolerance';

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /** Registered name of the backend under test (it is initialized with `initBackend` before the tests). */
  backend: string;
  /**
   * Whether the backend runs float64 (declared up front, because tests are registered before the
   * backend is initialized; `init` checks it against `supportsFloat64`). Without float64, the float64
   * cases are not registered at all, and gradients are computed on the backend in float32 and checked
   * against float64 finite differences on the CPU backend.
   */
  float64: boolean;
  /** Tolerances that replace the defaults ({@link DEFAULT_TOLERANCES}). */
  tolerance?: ConformanceTolerances;
  /**
   * Cases for fused ops defined outside `@rnn/tensor` (e.g. `@rnn/nn`'s optimizer updates), checked
   * like the suite's own: the backend's kernel against the op's composite. A backend kernel whose op
   * has no case, here or in the suite, fails the coverage check.
   */
  fusedCases?: readonly FusedConformanceCase[];
}

/** A fused-op case given to {@link describeConformance} by the package that defines the op. */
export interface FusedConformanceCase {
  /** Name of the fused op (the key in `Backend.fused`). */
  op: string;
  /** Test name; it also seeds `uniform`, so the data stay the same from run to run. */
  name: string;
  /**
   * Host inputs; `dtype` defaults to `'float'` (the float dtype the case runs in). `uniform(n, lo, hi)`
   * draws `n` deterministic values in `[lo, hi)` (default `[-1, 1)`).
   */
  inputs: (
    uniform: (n: number, lo?: number, hi?: number) => number[],
  ) => { shape: number[]; data: number[]; dtype?: DType | 'float' }[];
  /** Runs the op (through `runFused`, or the public function that does) and returns its outputs. */
  run: (xs: Tensor[]) => Tensor[];
  /** False for ops without gradients (optimizer updates): only the forward is compared. Default true. */
  differentiable?: boolean;
}

/** @internal What every section of the suite needs; filled in by `init()` in a `beforeAll`. */
export class SuiteContext {
  readonly tol: ResolvedTolerances;
  private _backend: Backend | undefined;
  private _cpu: Backend | undefined;

  constructor(readonly options: ConformanceOptions) {
    this.tol = resolveTolerances(options.tolerance);
  }

  async init(): Promise<void> {
    this._backend = await initBackend(this.options.backend);
    this._cpu = await initBackend('cpu');
    const f64 = this.options.float64;
    if (f64 !== this._backend.supportsFloat64) {
      throw new BackendError(
        `conformance: the suite was declared with float64 = ${f64} but backend "${this._backend.name}" reports supportsFloat64 = ${this._backend.supportsFloat64}`,
      );
    }
  }

  /** The backend under test. */
  get backend(): Backend {
    if (!this._backend)
      throw new Error('conformance: the suite context is not initialized (beforeAll did not run)');
    return this._backend;
  }

  /** The CPU backend, the reference for op results. */
  get cpu(): Backend {
    if (!this._cpu)
      throw new Error('conformance: the suite context is not initialized (beforeAll did not run)');
    return this._cpu;
  }

  /** Whether float64 checks run on the backend under test (known before `init`). */
  get float64(): boolean {
    return this.options.float64;
  }

  /**
   * Registers a test that runs in `dtype`. float64 tests (and tests that say `needsFloat64`) are not
   * registered where the backend has no float64: they are not applicable, rather than skipped.
   */
  itIn(
    name: string,
    dtype: DType,
    body: () => Promise<void> | void,
    opts: { needsFloat64?: boolean } = {},
  ): void {
    if ((dtype === 'float64' || opts.needsFloat64) && !this.float64) return;
    it(`${name} (${dtype})`, async () => {
      await body();
    });
  }

  /** {@link itIn} for each of the given dtypes. */
  itEach(
    name: string,
    dtypes: readonly DType[],
    body: (dtype: DType) => Promise<void> | void,
    opts: { needsFloat64?: boolean } = {},
  ): void {
    for (const d of dtypes) this.itIn(name, d, () => body(d), opts);
  }
}
