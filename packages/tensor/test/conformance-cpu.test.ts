import { describe, expect, it } from 'vitest';
import {
  type Backend,
  BackendError,
  createCpuBackend,
  type FusedKernel,
  noGrad,
  registerBackend,
  type TensorSpec,
  tensor,
} from '../src/index';
import { record } from '../src/tensor';
// Other packages import '@rnn/tensor/testing'; inside this package the sources are imported directly.
import { describeConformance, expectClose, gradcheck } from '../src/testing/index';

// The built-in CPU backend: the reference itself must pass the whole suite.
describeConformance({ backend: 'cpu', float64: true });

/**
 * The CPU kernels behind a GPU-like face: no float64 (any float64 argument throws) and no synchronous
 * read. Running the suite on it checks the suite's own float32 path (float64 tests skipped, float32
 * gradients against float64 finite differences on the CPU backend, async reads only).
 */
function float32OnlyCpu(): Backend {
  const inner = createCpuBackend('cpu-f32');
  const reject = (op: string, args: readonly unknown[]) => {
    for (const a of args) {
      for (const v of Array.isArray(a) ? a : [a]) {
        if (
          v === 'float64' ||
          (typeof v === 'object' && v !== null && (v as TensorSpec).dtype === 'float64')
        ) {
          throw new BackendError(`cpu-f32: ${op} was given float64, which this backend does not have`);
        }
      }
    }
  };
  const guard = <F extends (...args: never[]) => unknown>(op: string, f: F): F =>
    ((...args: Parameters<F>) => {
      reject(op, args);
      return f(...args);
    }) as F;
  const fused: Record<string, FusedKernel> = {};
  for (const [name, k] of Object.entries(inner.fused ?? {}) as [string, FusedKernel][]) {
    fused[name] = {
      forward: guard(`${name}.forward`, k.forward),
      backward: k.backward && guard(`${name}.backward`, k.backward),
    };
  }
  const { readSync: _noSyncRead, ...rest } = inner;
  const wrapped = Object.fromEntries(
    Object.entries(rest).map(([key, v]) => [
      key,
      typeof v === 'function' ? guard(key, v as (...a: never[]) => unknown) : v,
    ]),
  );
  return { ...(wrapped as unknown as Backend), name: 'cpu-f32', supportsFloat64: false, fused };
}

registerBackend('cpu-f32', float32OnlyCpu);
describeConformance({ backend: 'cpu-f32', float64: false });

describe('gradcheck and expectClose, on their own', () => {
  it('gradcheck passes a user function of several inputs and reports what it checked', async () => {
    const x = tensor([0.3, -0.7, 1.1, 0.2, -0.4, 0.9], { dtype: 'float64', shape: [2, 3] });
    const w = tensor([0.5, -1, 0.25, 2, 1.5, -0.75], { dtype: 'float64', shape: [3, 2] });
    const result = await gradcheck((a, b) => a.matmul(b).tanh().sum(1), [x, w], {
      eps: 1e-6,
      atol: 1e-7,
      rtol: 1e-6,
    });
    expect(result.checked).toBe(12);
    expect(result.maxAbsError).toBeLessThan(1e-7);
    expect(x.grad).toBeNull(); // the inputs are only read
  });

  it('gradcheck checks only the inputs that require grad when some do', async () => {
    const x = tensor([0.3, -0.7], { dtype: 'float64', requiresGrad: true });
    const y = tensor([2, 3], { dtype: 'float64' });
    const result = await gradcheck((a, b) => a.mul(b).exp(), [x, y]);
    expect(result.checked).toBe(2);
  });

  it('gradcheck finds a wrong backward', async () => {
    // x², with a backward of 3x·g instead of 2x·g.
    const badSquare = (x: ReturnType<typeof tensor>) =>
      record(
        'badSquare',
        [x],
        noGrad(() => x.mul(x)),
        ([g]) => [g!.mul(x).mul(3)],
      );
    const x = tensor([0.5, -1.5, 2], { dtype: 'float64' });
    await expect(gradcheck(badSquare, [x], { name: 'badSquare' })).rejects.toThrow(
      /gradcheck \(badSquare\): gradient of input 0 \[3\].*differs from finite differences/s,
    );
  });

  it('gradcheck computes a float32 analytic gradient where the backend has no float64', async () => {
    const x = tensor([0.3, -0.7, 1.1], { dtype: 'float64' });
    const result = await gradcheck((a) => a.sigmoid().mul(a), [x], {
      backend: 'cpu-f32',
      atol: 1e-5,
      rtol: 1e-4,
    });
    expect(result.analyticDtypes).toEqual(['float32']);
  });

  it('expectClose accepts tolerated differences, matching NaN and infinities, and reports the rest', () => {
    expectClose([1, 2.0000001, Number.NaN, -Infinity], [1, 2, Number.NaN, -Infinity], { rtol: 1e-6 });
    expectClose(3.5, 3.5);
    expect(() => expectClose([1, 2], [1, 2.1], { rtol: 1e-3, label: 'y' })).toThrow(
      /y: 1 of 2 values differ.*\[1\] got 2/s,
    );
    expect(() => expectClose([Infinity], [1e308])).toThrow(/1 of 1/);
    expect(() => expectClose([1], [1, 2])).toThrow(/expected 2 values, got 1/);
    // a per-element scale replaces |expected| (matmul-style error bounds)
    expectClose([1e-3], [0], { rtol: 1e-3, atol: 0, scale: [2] });
  });
});
