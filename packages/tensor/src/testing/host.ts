import type { Backend } from '../backend/backend';
import type { DType } from '../dtype';
import { tensor } from '../ops/creation';
import type { Tensor } from '../tensor';

/**
 * @internal Deterministic host-side data for the conformance suite (mulberry32), so every backend
 * sees the same inputs on every run without touching the library's own generator.
 */
export class HostRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Seeds from a string (a case name), so adding a case does not shift the data of the others. */
  static fromName(name: string): HostRng {
    let h = 2166136261;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    return new HostRng(h);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(n: number, lo = -1, hi = 1): number[] {
    return Array.from({ length: n }, () => lo + (hi - lo) * this.next());
  }

  /** Integers in [lo, hi). */
  ints(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => lo + Math.floor((hi - lo) * this.next()));
  }

  /** n distinct values spread over [lo, hi] in random order: no ties, neighbours at least (hi - lo) / (2n) apart. */
  distinct(n: number, lo = -2, hi = 2): number[] {
    const step = (hi - lo) / Math.max(n, 1);
    const vals = Array.from({ length: n }, (_, i) => lo + (i + 0.25 + 0.5 * this.next()) * step);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [vals[i], vals[j]] = [vals[j], vals[i]];
    }
    return vals;
  }

  /** Values with `lo <= |x| <= hi` and random sign: away from kinks at zero. */
  awayFromZero(n: number, lo = 0.2, hi = 1.5): number[] {
    return Array.from({ length: n }, () => (this.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * this.next()));
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

/**
 * @internal An input of a conformance case, as host data. `dtype: 'float'` takes the float dtype the
 * case runs in (float32 or float64).
 */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly data: readonly number[];
  readonly dtype: DType | 'float';
}

/** @internal Number of elements of `shape`. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal Builders of input specs from a {@link HostRng}. */
export const spec = {
  float: (shape: readonly number[], data: readonly number[]): InputSpec =>
    check({ shape, data, dtype: 'float' }),
  int: (shape: readonly number[], data: readonly number[]): InputSpec =>
    check({ shape, data, dtype: 'int32' }),
  bool: (shape: readonly number[], data: readonly (number | boolean)[]): InputSpec =>
    check({ shape, data: data.map((v) => (v ? 1 : 0)), dtype: 'bool' }),
  of: (dtype: DType, shape: readonly number[], data: readonly number[]): InputSpec =>
    check({ shape, data, dtype }),
};

function check(s: InputSpec): InputSpec {
  if (numel(s.shape) !== s.data.length) {
    throw new Error(
      `conformance: input data of ${s.data.length} values does not fill shape [${s.shape.join(', ')}]`,
    );
  }
  return s;
}

/** @internal Creates the tensor an input spec describes on `backend`. */
export function makeTensor(s: InputSpec, backend: Backend, float: DType): Tensor {
  const dtype = s.dtype === 'float' ? float : s.dtype;
  return tensor(Float64Array.from(s.data), { shape: s.shape, dtype, backend });
}

/** @internal Rounds like storing into `dtype` does (float32 rounding; others unchanged). */
export function roundTo(dtype: DType, values: readonly number[]): number[] {
  return dtype === 'float32' ? values.map(Math.fround) : [...values];
}
