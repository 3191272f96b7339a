import { linear, ShapeError, type Tensor } from '@rnn/tensor';
import { checkSize, type FactoryOptions, Module, type Parameter, uniformParameter } from '../module';

/** Options of {@link Linear}. */
export interface LinearOptions extends FactoryOptions {
  /** Whether to add a learnable bias (default `true`). */
  bias?: boolean;
}

/**
 * `y = x Wᵀ + b`, as `torch.nn.Linear`: `weight` is `[outFeatures, inFeatures]`, `bias` `[outFeatures]`.
 * Both start as U(−1/√inFeatures, 1/√inFeatures) (PyTorch's `kaiming_uniform_(a=√5)` and bias rule),
 * drawn from the seeded default generator. Input `[..., inFeatures]`, output `[..., outFeatures]`.
 */
export class Linear extends Module {
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or `null` without bias. */
  bias: Parameter | null;

  constructor(
    /** The size of each input vector (the input's last dimension). */
    readonly inFeatures: number,
    /** The size of each output vector. */
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures, true);
    checkSize('Linear', 'outFeatures', outFeatures, true);
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = uniformParameter([outFeatures, inFeatures], bound, options);
    this.bias = options.bias === false ? null : uniformParameter([outFeatures], bound, options);
  }

  /** Applies the layer to `x` `[..., inFeatures]`. */
  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected input [..., ${this.inFeatures}], got [${x.shape.join(', ')}]`);
    }
    // One product with the weight read transposed in place (no `weight.t()` copy), bias added once.
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
