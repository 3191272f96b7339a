import { noGrad, type Tensor, tensor } from '@rnn/tensor';

/** Tolerances of {@link gradcheckLeaves}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
}

/** A fixed pseudo-random float64 tensor (independent of the library's generator). */
export function fixedRandom(shape: readonly number[], seed: number, scale = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    d[i] = (((s >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return tensor(d, { shape, dtype: 'float64' });
}

/** Largest relative difference `|a − b| / max(|b|, floor)` between two arrays of equal length. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`maxRelDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

/**
 * Central-difference gradient check of a scalar `f()` with respect to leaves it reads in place (module
 * parameters, inputs): each element is perturbed with `Tensor.assign`. `gradcheck` of
 * `@rnn/tensor/testing` runs a function on copies of its inputs, which cannot reach a module's own
 * parameters; this helper can. Checks every float64 leaf; returns the largest absolute error.
 */
export function gradcheckLeaves(leaves: Tensor[], f: () => Tensor, options: GradcheckOptions = {}): number {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  for (const l of leaves) {
    if (l.dtype !== 'float64' || !l.requiresGrad)
      throw new Error('gradcheckLeaves: leaves must be float64 and require grad');
    l.grad = null;
  }
  const out = f();
  if (out.size !== 1)
    throw new Error(`gradcheckLeaves: f must return a scalar, got [${out.shape.join(', ')}]`);
  out.backward();
  const problems: string[] = [];
  let worst = 0;
  leaves.forEach((leaf, i) => {
    const analytic = leaf.grad ? Float64Array.from(leaf.grad.dataSync()) : new Float64Array(leaf.size);
    const base = Float64Array.from(leaf.dataSync());
    const at = (e: number, delta: number) => {
      const d = Float64Array.from(base);
      d[e] += delta;
      leaf.assign(tensor(d, { shape: leaf.shape, dtype: 'float64' }));
      return noGrad(() => f().itemSync());
    };
    for (let e = 0; e < base.length; e++) {
      const numeric = (at(e, eps) - at(e, -eps)) / (2 * eps);
      const err = Math.abs(numeric - analytic[e]);
      worst = Math.max(worst, err);
      if (err > atol + rtol * Math.abs(numeric) && problems.length < 8) {
        problems.push(
          `leaf ${i} [${leaf.shape.join(', ')}] element ${e}: autograd ${analytic[e]}, finite differences ${numeric}`,
        );
      }
    }
    leaf.assign(tensor(base, { shape: leaf.shape, dtype: 'float64' }));
  });
  if (problems.length > 0) throw new Error(`gradcheck failed:\n  ${problems.join('\n  ')}`);
  return worst;
}
