import { BackendError, noGrad, stack, type Tensor, tidy, ValueError } from '@rnn/tensor';

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
  const total = clipGradNormTensor(params, maxNorm, normType);
  if (!total) return 0;
  if (!total.backend.readSync) {
    total.dispose();
    throw new BackendError(
      `clipGradNorm: backend "${total.backend.name}" reads asynchronously; use \`await clipGradNormAsync(...)\``,
    );
  }
  const value = total.itemSync();
  total.dispose();
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
  const total = clipGradNormTensor(params, maxNorm, normType);
  if (!total) return 0;
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

/** Clips the gradients and returns the total norm as a 0-d tensor (null when no parameter has a gradient). */
function clipGradNormTensor(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  normType: number,
): Tensor | null {
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new ValueError(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const grads = gradsOf(params);
  if (grads.length === 0) return null;
  return noGrad(() =>
    tidy(() => {
      const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
      let total: Tensor;
      if (normType === Number.POSITIVE_INFINITY) {
        total = stack(grads.map((g) => g.abs().max().asType(dtype))).max();
      } else {
        const norms = grads.map((g) => norm(g, normType).asType(dtype));
        total = norm(stack(norms), normType);
      }
      const coef = total.fullLike(maxNorm).div(total.add(1e-6)).clamp(null, 1);
      for (const g of grads) g.assign(g.mul(coef.asType(g.dtype)));
      return total;
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
