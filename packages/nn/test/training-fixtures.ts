// Shared by the losses/optimizer/scheduler/init/safetensors tests: the PyTorch fixtures and a
// tolerance check. Fixtures come from fixtures/generate_training.py (PyTorch 1.13, float64).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Tensor, tensor } from '@rnn/tensor';
import { expect } from 'vitest';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A tensor in the fixtures: shape and row-major values. */
export interface Shaped {
  shape: number[];
  data: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: the fixture is plain JSON
export const fixture: any = JSON.parse(readFileSync(`${fixturesDir}training.json`, 'utf8'));

/** A float64 tensor from a fixture entry. */
export function f64(s: Shaped): Tensor {
  return tensor(Float64Array.from(s.data), { shape: s.shape });
}

/** Largest relative error seen by {@link expectClose} (on values of magnitude >= 1e-8), for reporting. */
export const worst = { rel: 0 };

/** Elementwise |a - e| <= rtol·|e| + atol (NaN must match NaN). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = 1e-5,
  atol = 1e-12,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `${what}[${i}]`).toBeNaN();
      continue;
    }
    const err = Math.abs(a - e);
    if (Math.abs(e) >= 1e-8) worst.rel = Math.max(worst.rel, err / Math.abs(e));
    if (!(err <= rtol * Math.abs(e) + atol)) {
      expect.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${err})`);
    }
  }
}
