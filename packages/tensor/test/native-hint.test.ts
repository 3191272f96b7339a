import { afterEach, describe, expect, it, vi } from 'vitest';
import { NATIVE_HINT_AFTER, resetNativeHint } from '../src/cpu/native-hint';
import { type CpuAccelerator, ones, setCpuAccelerator } from '../src/index';

/** A plugged-in "native" sgemm (JavaScript here): all that matters is that the CPU backend calls it. */
const fakeNative: CpuAccelerator = {
  name: 'fake',
  sgemm(_ta, _tb, m, n, k, _alpha, _a, _oa, _lda, _b, _ob, _ldb, _beta, c, offC, ldc) {
    for (let i = 0; i < m; i++) c.fill(k, offC + i * ldc, offC + i * ldc + n);
  },
};

// [256, 512] · [512, 256]: 2^25 multiply-adds, an eighth of the threshold.
const matmul = () => ones([256, 512]).matmul(ones([512, 256]));
const PER_MATMUL = 256 * 512 * 256;

function warnings(fn: () => void): string[] {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    fn();
    return warn.mock.calls.map((c) => String(c[0]));
  } finally {
    warn.mockRestore();
  }
}

afterEach(() => {
  setCpuAccelerator(null);
  vi.unstubAllEnvs();
  resetNativeHint();
});

describe('the hint about native CPU kernels (Node)', () => {
  it('comes once, after the pure-JavaScript GEMM has done real work', () => {
    resetNativeHint();
    const before = NATIVE_HINT_AFTER / PER_MATMUL - 1;
    expect(
      warnings(() => {
        for (let i = 0; i < before; i++) matmul();
      }),
    ).toEqual([]);
    const after = warnings(() => {
      for (let i = 0; i < 4; i++) matmul();
    });
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^@rnn\/tensor: large float32 matmuls are running on the pure-JavaScript/);
    expect(after[0]).toContain("import '@rnn/cpu-native/register'");
    expect(after[0]).toContain('RNN_NO_NATIVE=1');
    expect(warnings(() => matmul())).toEqual([]);
  });

  it('does not come while native kernels are plugged in, nor for float64', () => {
    resetNativeHint();
    setCpuAccelerator(fakeNative);
    const viaNative = warnings(() => {
      for (let i = 0; i < 10; i++) expect(matmul().dataSync()[0]).toBe(512);
    });
    expect(viaNative).toEqual([]);
    setCpuAccelerator(null);
    const f64 = () => ones([256, 512], { dtype: 'float64' }).matmul(ones([512, 256], { dtype: 'float64' }));
    expect(
      warnings(() => {
        for (let i = 0; i < 10; i++) f64();
      }),
    ).toEqual([]);
  });

  it('does not come when RNN_NO_NATIVE=1 chose the JavaScript kernels', () => {
    resetNativeHint();
    vi.stubEnv('RNN_NO_NATIVE', '1');
    expect(
      warnings(() => {
        for (let i = 0; i < 10; i++) matmul();
      }),
    ).toEqual([]);
  });
});
