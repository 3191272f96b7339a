/**
 * Runs one primitive on the WebGPU backend and on a CPU backend with the same inputs, and compares.
 * The CPU backend is the reference semantics of every primitive.
 */
import { type Backend, createCpuBackend, type DType, type TensorSpec, type TypedArray } from '@rnn/tensor';
import type { FusedAttrs, FusedKernel, FusedOpName } from '@rnn/tensor/backend';
import { expect } from 'vitest';

export const cpu = createCpuBackend('cpu-reference');

/** A backend's fused kernel called `name`; the test fails if the backend has none. */
export function fusedKernel<K extends FusedOpName>(backend: Backend, name: K): FusedKernel<FusedAttrs[K]> {
  const kernel = backend.fused?.[name];
  if (!kernel) throw new Error(`backend "${backend.name}" has no fused ${name} kernel`);
  return kernel as FusedKernel<FusedAttrs[K]>;
}

/** float32 tolerance of these tests: `|gpu - cpu| <= ATOL + RTOL * |cpu|` (a few ulp; the CPU computes in float64). */
export const RTOL = 2e-6;
export const ATOL = 1e-6;

/** Deterministic host data (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function typed(values: ArrayLike<number>, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values);
    default:
      return Float64Array.from(values);
  }
}

/** The same tensor on both backends. */
export interface Pair {
  gpu: TensorSpec;
  cpu: TensorSpec;
}

export function pair(
  gpu: Backend,
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType = 'float32',
): Pair {
  const data = typed(values, dtype);
  return {
    gpu: { storage: gpu.fromArray(data, dtype), shape, dtype },
    cpu: { storage: cpu.fromArray(data, dtype), shape, dtype },
  };
}

export function randomPair(
  gpu: Backend,
  shape: readonly number[],
  seed: number,
  dtype: DType = 'float32',
  lo = -2,
  hi = 2,
): Pair {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => {
    const v = lo + (hi - lo) * r();
    return dtype === 'float32' ? v : Math.floor(v);
  });
  return pair(gpu, values, shape, dtype);
}

/** Reads a result from both backends and compares: exact for int32/bool, within tolerance for float32. */
export async function expectSame(
  gpu: Backend,
  outs: { gpu: object; cpu: object },
  dtype: DType,
  size: number,
  tol: { rtol?: number; atol?: number } = {},
): Promise<void> {
  const got = await gpu.read(outs.gpu, dtype, size);
  const want = cpu.readSync!(outs.cpu, dtype, size);
  expect(got.length).toBe(want.length);
  if (dtype !== 'float32') {
    expect(Array.from(got)).toEqual(Array.from(want));
    return;
  }
  const rtol = tol.rtol ?? RTOL;
  const atol = tol.atol ?? ATOL;
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const e = want[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad.length < 8) bad.push(`[${i}] webgpu ${a} vs cpu ${e}`);
  }
  expect(bad, bad.join('\n')).toEqual([]);
}
