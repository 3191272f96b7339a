/** Options of {@link expectClose}. */
export interface CloseOptions {
  /** Relative tolerance (default `1e-5`). */
  rtol?: number;
  /** Absolute tolerance (default `1e-6`). */
  atol?: number;
  /**
   * Per-element scale that replaces `|expected|` in the relative term, e.g. `sum_k |a_ik| |b_kj|` for a
   * matrix product, whose rounding error grows with the magnitudes summed, not with the result.
   */
  scale?: ArrayLike<number>;
  /** Names the checked value in the error message. */
  label?: string;
}

/**
 * Asserts that `actual` and `expected` (numbers or arrays of equal length) agree elementwise:
 * `|actual - expected| <= atol + rtol * |expected|`. NaN matches NaN, and infinities must match exactly.
 * Throws an `Error` listing the worst mismatches; works inside any test runner.
 *
 * @example
 * ```ts
 * expectClose(await y.data(), [0.5, 0.25], { rtol: 1e-6 });
 * ```
 */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  options: CloseOptions = {},
): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  const label = options.label ? `${options.label}: ` : '';
  if (a.length !== e.length) {
    throw new Error(`${label}expected ${e.length} values, got ${a.length}`);
  }
  const bad: string[] = [];
  let count = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(e[i]);
    let ok: boolean;
    let diff = 0;
    if (Number.isNaN(y) || Number.isNaN(x)) ok = Number.isNaN(x) && Number.isNaN(y);
    else if (!Number.isFinite(y) || !Number.isFinite(x)) ok = x === y;
    else {
      diff = Math.abs(x - y);
      const scale = options.scale ? Math.abs(Number(options.scale[i])) : Math.abs(y);
      ok = diff <= atol + rtol * scale;
    }
    if (!ok) {
      count++;
      worst = Math.max(worst, diff);
      if (bad.length < 8)
        bad.push(`[${i}] got ${x}, expected ${y}${diff ? ` (|diff| ${diff.toExponential(3)})` : ''}`);
    }
  }
  if (count > 0) {
    throw new Error(
      `${label}${count} of ${a.length} values differ beyond atol ${atol} + rtol ${rtol} × |expected|` +
        `${worst ? ` (largest |diff| ${worst.toExponential(3)})` : ''}:\n  ${bad.join('\n  ')}${count > bad.length ? '\n  ...' : ''}`,
    );
  }
}

/** @internal Asserts bitwise equality of two typed arrays of the same kind (NaN payloads aside). */
export function expectIdentical(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label = 'values',
): void {
  if (actual.length !== expected.length)
    throw new Error(`${label}: expected ${expected.length} values, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${label}: not bitwise identical at [${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
