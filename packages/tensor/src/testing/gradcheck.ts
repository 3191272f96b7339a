import { noGrad } from '../autograd/grad-mode';
import type { Backend } from '../backend/backend';
import { findBackend } from '../backend/registry';
import { type DType, isFloat } from '../dtype';
import { fmtShape, ValueError } from '../errors';
import { scope } from '../memory/scope';
import { tensor } from '../ops/creation';
import type { Tensor } from '../tensor';
import { HostRng } from './host';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Step of the central finite differences (default `1e-6`). */
  eps?: number;
  /** Absolute tolerance (default `1e-5`, as `torch.autograd.gradcheck`). */
  atol?: number;
  /** Relative tolerance, against the numerical gradient (default `1e-3`, as `torch.autograd.gradcheck`). */
  rtol?: number;
  /**
   * Backend on which the analytic gradient is computed (default: the first input's). Where it has no
   * float64, float64 inputs are computed in float32 there.
   */
  backend?: string | Backend;
  /**
   * Backend on which the finite differences are computed, always in float64 (default: the analytic
   * backend when it supports float64, else `"cpu"`).
   */
  numericBackend?: string | Backend;
  /** Seed of the random output weights (default `0`). */
  seed?: number;
  /** Names the function in error messages. */
  name?: string;
}

/** What {@link gradcheck} measured, when it passed. */
export interface GradcheckResult {
  /** Largest `|analytic - numeric|` over every checked element. */
  maxAbsError: number;
  /** Number of input elements whose derivative was checked. */
  checked: number;
  /** The dtype the analytic gradient was computed in (per checked input). */
  analyticDtypes: DType[];
}

/**
 * Checks the gradients autograd computes for `fn` against central finite differences, as
 * `torch.autograd.gradcheck` does, and throws an `Error` naming the first wrong derivative.
 *
 * The checked inputs are those with `requiresGrad` set, or every floating-point input when none is set;
 * other inputs (int32 indices, bool masks, ...) are passed through unchanged. The inputs themselves are
 * only read: `fn` runs on fresh copies, so their `.grad` is untouched. Outputs (one tensor or an array)
 * are reduced to a scalar with fixed random weights, `L = Σ_k Σ_i w_ki · out_k[i]`; `dL/dx` is then compared
 * elementwise, so one backward pass checks every input element against every output element at once:
 * `|analytic - numeric| <= atol + rtol * |numeric|`.
 *
 * Pass float64 inputs: finite differences in float32 are too coarse to check anything. When the analytic
 * backend has no float64 (a GPU), the analytic gradient is computed there in float32 and the finite
 * differences in float64 on `numericBackend` (the CPU backend), from the same float32-rounded values;
 * loosen `atol`/`rtol` to float32 levels then.
 *
 * @example
 * ```ts
 * const x = randn([3, 4], { dtype: 'float64' });
 * const w = randn([4, 2], { dtype: 'float64' });
 * await gradcheck((x, w) => x.matmul(w).tanh(), [x, w]);
 * ```
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<GradcheckResult> {
  if (inputs.length === 0) throw new ValueError('gradcheck: expected at least one input tensor');
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const seed = options.seed ?? 0;
  const label = `gradcheck${options.name ? ` (${options.name})` : ''}`;
  const analyticBackend = pickBackend(options.backend) ?? inputs[0].backend;
  const numericBackend =
    pickBackend(options.numericBackend) ??
    (analyticBackend.supportsFloat64 ? analyticBackend : findBackend('cpu'));
  if (!numericBackend.supportsFloat64) {
    throw new ValueError(
      `${label}: the finite differences need float64, which backend "${numericBackend.name}" lacks`,
    );
  }

  let wrt = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  if (wrt.length === 0) wrt = inputs.flatMap((t, i) => (isFloat(t.dtype) ? [i] : []));
  if (wrt.length === 0) throw new ValueError(`${label}: no floating-point input to differentiate`);

  const analyticDtypes = inputs.map((t) =>
    t.dtype === 'float64' && !analyticBackend.supportsFloat64 ? 'float32' : t.dtype,
  );
  const numericDtypes = inputs.map((t) => (isFloat(t.dtype) ? 'float64' : t.dtype));
  // Both passes see the same values: those the analytic pass can represent.
  const hosts = await Promise.all(
    inputs.map(async (t, i) => {
      const data = Float64Array.from(await t.data());
      if (analyticDtypes[i] === 'float32')
        for (let j = 0; j < data.length; j++) data[j] = Math.fround(data[j]);
      return data;
    }),
  );
  const make = (i: number, data: Float64Array, dtype: DType, backend: Backend) =>
    tensor(data, { shape: inputs[i].shape, dtype, backend });

  // ---- analytic: one backward pass of the weighted sum of the outputs
  let weights: Float64Array[] = [];
  const analytic = await scope(async () => {
    const leaves = inputs.map((_, i) => make(i, hosts[i], analyticDtypes[i], analyticBackend));
    for (const i of wrt) leaves[i].requiresGrad = true;
    const outs = asList(fn(...leaves));
    weights = outs.map((o, k) => outputWeights(seed, k, o.size));
    const terms: [Tensor, Tensor][] = [];
    outs.forEach((o, k) => {
      if (isFloat(o.dtype) && o.requiresGrad) {
        terms.push([o, tensor(weights[k], { shape: o.shape, dtype: o.dtype, backend: o.backend })]);
      }
    });
    if (terms.length === 0) {
      throw new ValueError(
        `${label}: no floating-point output of the function depends on the checked inputs`,
      );
    }
    if (terms.length === 1) terms[0][0].backward(terms[0][1]);
    else
      terms
        .map(([o, w]) => o.mul(w).sum())
        .reduce((a, b) => a.add(b))
        .backward();
    const grads: Float64Array[] = [];
    for (const i of wrt) {
      const g = leaves[i].grad;
      grads.push(g ? Float64Array.from(await g.data()) : new Float64Array(hosts[i].length));
      g?.dispose();
      leaves[i].grad = null;
    }
    return grads;
  });

  // ---- numeric: central differences of the same weighted sum, in float64
  const loss = (values: Float64Array[]) =>
    scope(async () => {
      const xs = inputs.map((_, i) => make(i, values[i], numericDtypes[i], numericBackend));
      const outs = noGrad(() => asList(fn(...xs)));
      let total = 0;
      for (let k = 0; k < outs.length; k++) {
        if (!isFloat(outs[k].dtype)) continue;
        const d = await outs[k].data();
        for (let j = 0; j < d.length; j++) total += d[j] * weights[k][j];
      }
      return total;
    });

  const values = hosts.map((h) => Float64Array.from(h));
  let maxAbsError = 0;
  let checked = 0;
  for (let w = 0; w < wrt.length; w++) {
    const i = wrt[w];
    const x = values[i];
    const numeric = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const v = x[j];
      x[j] = v + eps;
      const plus = await loss(values);
      x[j] = v - eps;
      const minus = await loss(values);
      x[j] = v;
      numeric[j] = (plus - minus) / (2 * eps);
    }
    const a = analytic[w];
    let bad = -1;
    let count = 0;
    for (let j = 0; j < x.length; j++) {
      const diff = Math.abs(a[j] - numeric[j]);
      maxAbsError = Math.max(maxAbsError, Number.isNaN(diff) ? Infinity : diff);
      if (!(diff <= atol + rtol * Math.abs(numeric[j]))) {
        count++;
        if (bad < 0) bad = j;
      }
    }
    checked += x.length;
    if (count > 0) {
      const show = (arr: Float64Array) =>
        arr.length <= 24 ? `\n    [${Array.from(arr, (v) => v.toPrecision(8)).join(', ')}]` : '';
      throw new Error(
        `${label}: gradient of input ${i} ${fmtShape(inputs[i].shape)} (${analyticDtypes[i]} on "${analyticBackend.name}") ` +
          `differs from finite differences (float64 on "${numericBackend.name}", eps ${eps}) at ${count} of ${x.length} ` +
          `elements; first at flat index ${bad}: analytic ${a[bad]}, numeric ${numeric[bad]}, ` +
          `|diff| ${Math.abs(a[bad] - numeric[bad]).toExponential(3)} > atol ${atol} + rtol ${rtol} × |numeric|` +
          `\n  analytic:${show(a)}\n  numeric:${show(numeric)}`,
      );
    }
  }
  return { maxAbsError, checked, analyticDtypes: wrt.map((i) => analyticDtypes[i]) };
}

function pickBackend(b: string | Backend | undefined): Backend | undefined {
  if (b === undefined) return undefined;
  return typeof b === 'string' ? findBackend(b) : b;
}

function asList(out: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(out) ? [...out] : [out as Tensor];
}

/** Fixed weights in ±[0.5, 1.5], exactly representable in float32 so both passes use the same ones. */
function outputWeights(seed: number, k: number, n: number): Float64Array {
  const rng = new HostRng((seed * 7919 + k * 104729 + 1) >>> 0);
  return Float64Array.from(rng.awayFromZero(n, 0.5, 1.5), Math.fround);
}
