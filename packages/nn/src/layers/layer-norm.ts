import { layerNorm, ShapeError, type Tensor, ValueError } from '@rnn/tensor';
import { checkSize, constantParameter, type FactoryOptions, Module, type Parameter } from '../module';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance for stability (default `1e-5`). */
  eps?: number;
  /** Whether to learn a per-element scale `weight` (ones) and shift `bias` (zeros); default `true`. */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, whether to learn the shift too (default `true`). */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dimensions, as `torch.nn.LayerNorm`:
 * `y = (x − mean) / √(var + eps) · weight + bias`, with the biased variance over `normalizedShape`.
 */
export class LayerNorm extends Module {
  /** The trailing shape normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** `normalizedShape`, starts at ones; `null` without `elementwiseAffine`. */
  weight: Parameter | null;
  /** `normalizedShape`, starts at zeros; `null` without `elementwiseAffine` or `bias`. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0)
      throw new ValueError('LayerNorm: normalizedShape must not be empty');
    for (const d of this.normalizedShape) checkSize('LayerNorm', 'normalizedShape', d);
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`LayerNorm: eps must be non-negative, got ${this.eps}`);
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? constantParameter(this.normalizedShape, 1, options) : null;
    this.bias = affine && options.bias !== false ? constantParameter(this.normalizedShape, 0, options) : null;
  }

  /** Normalises `x` `[..., ...normalizedShape]`. */
  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `LayerNorm: expected input [..., ${this.normalizedShape.join(', ')}], got [${x.shape.join(', ')}]`,
      );
    }
    // The fused `layerNorm` op: one kernel each way where the backend has one (CPU, WebGPU).
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
