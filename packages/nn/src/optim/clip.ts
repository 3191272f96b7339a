import { BackendError, noGrad, stack, sumOfSquares, type Tensor, tidy, ValueError } from '@rnn/tensor';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Throw a `ValueError` when the total norm is NaN or infinite (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

function gradsOf(params: Iterable<Tensor> | Tensor): Tensor[] {
  const list =
    (params as { isTensor?: unknown }).isTensor === true
      ? [params as Tensor]
      : [...(params as Iterable<Tensor>)];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/**
 * Scales gradients in place so that their total norm is at most `maxNorm`, like
 * `torch.nn.utils.clip_grad_norm_`: the norm of all gradients together (as if concatenated), of
 * order `normType` (`Infinity` for the max-norm), and every gradient multiplied by
 * `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped.
 *
 * Returns the total norm before clipping. That is a read of device data: on backends that read only
 * asynchronously, use {@link clipGradNormAsync}.
 */
export function clipGradNorm(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): number {
  checkArgs(maxNorm, normType);
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  const backend = grads[0].backend;
  if (!backend.readSync) {
    throw new BackendError(
      `clipGradNorm: backend "${backend.name}" reads asynchronously; use \`await clipGradNormAsync(...)\``,
    );
  }
  const total = totalNorm(grads, normType);
  const value = total.itemSync();
  const f = total.dtype === 'float32' ? Math.fround : (v: number) => v;
  total.dispose();
  // PyTorch's coefficient, in the norm's precision. Where it is exactly 1 the gradients are left as
  // they are: multiplying by 1 would change no bit (PyTorch multiplies anyway).
  const coef = f(f(maxNorm) / f(value + f(1e-6)));
  if (!(coef >= 1)) scale(grads, (g) => g.fullLike(coef));
  checkFinite(value, options);
  return value;
}

/** {@link clipGradNorm} for any backend: the clipping is queued, the norm read asynchronously. */
export async function clipGradNormAsync(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): Promise<number> {
  checkArgs(maxNorm, normType);
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  const total = totalNorm(grads, normType);
  const coef = noGrad(() => tidy(() => keepCoef(total, maxNorm)));
  scale(grads, (g) => coef.asType(g.dtype));
  coef.dispose();
  const value = await total.item();
  total.dispose();
  checkFinite(value, options);
  return value;
}

function checkFinite(value: number, options: ClipGradNormOptions): void {
  if (options.errorIfNonfinite && !Number.isFinite(value)) {
    throw new ValueError(
      `clipGradNorm: the total norm of the gradients is ${value}, so they cannot be clipped ` +
        '(set errorIfNonfinite: false to clip anyway)',
    );
  }
}

function checkArgs(maxNorm: number, normType: number): void {
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new ValueError(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
}

/** The total norm of all gradients together, as a 0-d tensor (float64 if a gradient is). */
function totalNorm(grads: readonly Tensor[], normType: number): Tensor {
  return noGrad(() =>
    tidy(() => {
      const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
      if (normType === Number.POSITIVE_INFINITY) {
        return stack(grads.map((g) => g.abs().max().asType(dtype))).max();
      }
      // One pass over each gradient, no squared copies (the fused `sumOfSquares`).
      if (normType === 2) return sumOfSquares(grads).asType(dtype).sqrt();
      return norm(stack(grads.map((g) => norm(g, normType).asType(dtype))), normType);
    }),
  );
}

/** `min(1, maxNorm / (total + 1e-6))` as a 0-d tensor, for backends whose norm is read later. */
function keepCoef(total: Tensor, maxNorm: number): Tensor {
  return total.fullLike(maxNorm).div(total.add(1e-6)).clamp(null, 1);
}

/** Multiplies every gradient by its coefficient (`coefOf(g)`, a 0-d tensor of `g`'s dtype). */
function scale(grads: readonly Tensor[], coefOf: (g: Tensor) => Tensor): void {
  noGrad(() =>
    tidy(() => {
      for (const g of grads) g.assign(g.mul(coefOf(g)));
    }),
  );
}

/** The `p`-norm of all elements. */
function norm(t: Tensor, p: number): Tensor {
  if (p === 2) return t.square().sum().sqrt();
  if (p === 1) return t.abs().sum();
  return t
    .abs()
    .pow(p)
    .sum()
    .pow(1 / p);
}

/**
 * Clamps every gradient element into `[-clipValue, clipValue]` in place, like
 * `torch.nn.utils.clip_grad_value_`. Parameters without a gradient are skipped.
 */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  const grads = gradsOf(params);
  noGrad(() =>
    tidy(() => {
      for (const g of grads) g.assign(g.clamp(-clipValue, clipValue));
    }),
  );
}
