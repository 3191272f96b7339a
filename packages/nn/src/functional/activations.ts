import { isGradEnabled, noGrad, type Tensor, ValueError, where } from '@rnn/tensor';

// Activations that `@rnn/tensor` has no op for, written as compositions of its ops (so they run and
// differentiate on every backend). `tanh`, `sigmoid`, `relu`, `softmax` and `logSoftmax` are ops there.

/** `max(0, x) + negativeSlope · min(0, x)`, as `torch.nn.functional.leaky_relu` (gradient `negativeSlope` at 0). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/** `x` for `x > 0`, else `alpha · (exp(x) − 1)`, as `torch.nn.functional.elu`. */
export function elu(x: Tensor, alpha = 1): Tensor {
  // exp of the non-positive part only: no overflow in the branch `where` drops (an inf there would
  // make a NaN gradient). Not `minimum(x, 0)`, which would halve the gradient at 0 (a tie).
  const positive = x.gt(0);
  return where(positive, x, where(positive, 0, x).exp().sub(1).mul(alpha));
}

/** `x · σ(x)` (SiLU, "swish"), as `torch.nn.functional.silu`. */
export function silu(x: Tensor): Tensor {
  return x.mul(x.sigmoid());
}

/**
 * `log(1 + exp(β x)) / β`, and `x` where `β x > threshold` (for stability), as
 * `torch.nn.functional.softplus`.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = x.mul(beta);
  const linear = bx.gt(threshold);
  const soft = where(linear, threshold, bx).exp().add(1).log().div(beta);
  return where(linear, x, soft);
}

// Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., `Erf::erfccheb`): |error| < 1.2e-16.
const ERFC_COF = [
  -1.3026537197817094, 0.6419697923564902, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6,
  1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10,
  9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15,
  -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];

/** `erfc(z)` for `z ≥ 0` by the Chebyshev expansion above (elementwise ops only; no gradient). */
function erfcNonNegative(z: Tensor): Tensor {
  const t = z.add(2).pow(-1).mul(2);
  const ty = t.mul(4).sub(2);
  let d: Tensor | number = 0;
  let dd: Tensor | number = 0;
  for (let j = ERFC_COF.length - 1; j > 0; j--) {
    const tmp: Tensor | number = d;
    d = ty.mul(d).sub(dd).add(ERFC_COF[j]);
    dd = tmp;
  }
  const exponent = z
    .square()
    .neg()
    .add(
      ty
        .mul(d as Tensor)
        .add(ERFC_COF[0])
        .mul(0.5),
    )
    .sub(dd);
  return t.mul(exponent.exp());
}

/**
 * The error function `erf(x)`, elementwise (about 1e-16 absolute error in float64), differentiable
 * (`d/dx erf(x) = 2/√π · exp(−x²)`).
 */
export function erf(x: Tensor): Tensor {
  const value = noGrad(() => {
    const e = erfcNonNegative(x.abs());
    return where(x.lt(0), e.sub(1), e.neg().add(1));
  });
  return withGradient(x, value, () =>
    x
      .square()
      .neg()
      .exp()
      .mul(2 / Math.sqrt(Math.PI)),
  );
}

/** The standard normal CDF `Φ(x) = (1 + erf(x / √2)) / 2`, accurate in the far tails too. */
function normalCdf(x: Tensor): Tensor {
  // Φ(x) = erfc(−x/√2)/2: for x < 0 directly from erfc (no cancellation in 1 − …).
  const e = erfcNonNegative(x.abs().mul(Math.SQRT1_2)).mul(0.5);
  return where(x.lt(0), e, e.neg().add(1));
}

/**
 * GELU, as `torch.nn.functional.gelu`: `x · Φ(x)` with the exact normal CDF (`approximate: 'none'`,
 * the default) or PyTorch's tanh approximation (`'tanh'`).
 *
 * `@rnn/tensor` has no `erf` op, so the exact form is a composition (a Chebyshev expansion of `erfc`,
 * 1e-16 in float64) whose derivative `Φ(x) + x φ(x)` is supplied in closed form.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'tanh') {
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(inner.tanh().add(1)).mul(0.5);
  }
  if (approximate !== 'none') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  const cdf = noGrad(() => normalCdf(x));
  const value = noGrad(() => x.mul(cdf));
  return withGradient(x, value, () => {
    const pdf = x
      .square()
      .mul(-0.5)
      .exp()
      .mul(1 / Math.sqrt(2 * Math.PI));
    return cdf.add(x.mul(pdf));
  });
}

/**
 * `value` (computed without gradient) with `d value / dx = derivative()` elementwise: adds
 * `(x − x.detach()) · derivative`, which is exactly zero, so the value is unchanged bit for bit.
 */
function withGradient(x: Tensor, value: Tensor, derivative: () => Tensor): Tensor {
  if (!x.requiresGrad || !isGradEnabled()) return value;
  const slope = noGrad(derivative);
  return value.add(x.sub(x.detach()).mul(slope));
}
