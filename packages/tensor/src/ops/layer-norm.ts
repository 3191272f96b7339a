import type { LayerNormAttrs } from '../backend/fused/layer-norm';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import { sizeOf } from '../shape';
import { releaseInternal, type Tensor } from '../tensor';
import { onesLike } from './creation';
import { add, div, mul, sqrt, sub } from './elementwise';
import { type FusedOp, runFused } from './fused';
import { mean } from './reduce';

export type { LayerNormAttrs };

function statShape(x: Tensor, k: number): number[] {
  return x.shape.map((d, i) => (i < x.ndim - k ? d : 1));
}

/**
 * Layer normalisation as a fused op: a backend may bring one kernel for forward and one for backward;
 * the composite (mean, biased variance, normalise, affine) gives every backend the op with autograd.
 */
export const layerNormOp: FusedOp = {
  name: 'layerNorm',
  composite(inputs, attrs) {
    const a = attrs as unknown as LayerNormAttrs;
    const [x] = inputs;
    const weight = a.hasWeight ? inputs[1] : undefined;
    const bias = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : undefined;
    const axes = Array.from({ length: a.normalizedDims }, (_, i) => x.ndim - a.normalizedDims + i);
    const mu = mean(x, axes, true);
    const centered = sub(x, mu);
    const variance = mean(mul(centered, centered), axes, true);
    const std = sqrt(add(variance, a.eps));
    let y = div(centered, std);
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return [y, mu, div(onesLike(std), std)];
  },
  outputs(inputs, attrs) {
    const [x] = inputs;
    const stats = {
      shape: statShape(x, (attrs as unknown as LayerNormAttrs).normalizedDims),
      dtype: x.dtype,
    };
    return [{ shape: [...x.shape], dtype: x.dtype }, stats, { ...stats }];
  },
};

/**
 * Layer normalisation over the trailing dimensions `normalizedShape` of `x`, as
 * `torch.nn.functional.layer_norm`: `y = (x − mean) / √(var + eps) · weight + bias` with the biased
 * variance. `weight` and `bias` (optional) have shape `normalizedShape`. Uses the backend's fused
 * `layerNorm` kernel when it has one.
 *
 * @example
 * ```ts
 * const y = layerNorm(x, [x.shape[x.ndim - 1]], { weight, bias, eps: 1e-5 });
 * ```
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  const op = 'layerNorm';
  const k = normalizedShape.length;
  const eps = options.eps ?? 1e-5;
  const weight = options.weight ?? undefined;
  const bias = options.bias ?? undefined;
  if (k === 0) throw new ValueError(`${op}: normalizedShape must not be empty`);
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be non-negative, got ${eps}`);
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(
      `${op}: expected input [..., ${normalizedShape.join(', ')}], got ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DTypeError(`${op}: expected a floating-point input, got ${x.dtype}`);
  if (sizeOf(normalizedShape) === 0) throw new ValueError(`${op}: normalizedShape has no elements`);
  const inputs = [x];
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (!t) continue;
    if (t.ndim !== k || t.shape.some((d, i) => d !== normalizedShape[i])) {
      throw new ShapeError(
        `${op}: ${name} must be ${fmtShape(normalizedShape)} (normalizedShape), got ${fmtShape(t.shape)}`,
      );
    }
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype} but x is ${x.dtype}`);
    inputs.push(t);
  }
  const attrs: LayerNormAttrs = { normalizedDims: k, eps, hasWeight: !!weight, hasBias: !!bias };
  const [y, mu, rstd] = runFused(layerNormOp, inputs, attrs as unknown as Record<string, unknown>);
  // The statistics only matter to a recorded backward: the graph owns them, or they go at once.
  releaseInternal(y, [mu, rstd]);
  return y;
}
