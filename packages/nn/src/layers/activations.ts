import { type Tensor, ValueError } from '@rnn/tensor';
import { elu, gelu, leakyRelu, silu, softplus } from '../functional/activations';
import { Module } from '../module';

// Activation functions as modules, for `Sequential` (as `torch.nn.ReLU`, ...). They hold no
// parameters, so they add nothing to a state dict.

/** `max(0, x)`, as `torch.nn.ReLU`. */
export class ReLU extends Module {
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** `tanh(x)`, as `torch.nn.Tanh`. */
export class Tanh extends Module {
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** `1 / (1 + exp(−x))`, as `torch.nn.Sigmoid`. */
export class Sigmoid extends Module {
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** GELU, as `torch.nn.GELU`: exact (`'none'`, the default) or the tanh approximation. */
export class GELU extends Module {
  constructor(
    /** `'none'`: the exact GELU with erf; `'tanh'`: the tanh approximation. */
    readonly approximate: 'none' | 'tanh' = 'none',
  ) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
    }
  }
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `max(0, x) + negativeSlope · min(0, x)`, as `torch.nn.LeakyReLU` (default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(
    /** The slope for negative inputs. */
    readonly negativeSlope = 0.01,
  ) {
    super();
  }
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** `x` for `x > 0`, else `alpha · (exp(x) − 1)`, as `torch.nn.ELU`. */
export class ELU extends Module {
  constructor(
    /** The value negative inputs approach (`alpha · (exp(x) − 1)` tends to `−alpha`). */
    readonly alpha = 1,
  ) {
    super();
  }
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `x · σ(x)`, as `torch.nn.SiLU`. */
export class SiLU extends Module {
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** `log(1 + exp(β x)) / β`, linear above `threshold`, as `torch.nn.Softplus`. */
export class Softplus extends Module {
  constructor(
    /** `β`: larger values make the curve closer to ReLU. */
    readonly beta = 1,
    /** Above `β x > threshold` the result is `x` (no overflow in `exp`). */
    readonly threshold = 20,
  ) {
    super();
  }
  /** The activation of each element of `x` (any shape; the result has the same shape). */
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Softmax along `dim`, as `torch.nn.Softmax(dim)`. */
export class Softmax extends Module {
  constructor(
    /** The dimension the probabilities sum to 1 along (negative counts from the end). */
    readonly dim: number,
  ) {
    super();
  }
  /** The softmax of `x` along `dim` (same shape). */
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim`, as `torch.nn.LogSoftmax(dim)`. */
export class LogSoftmax extends Module {
  constructor(
    /** The dimension the softmax is taken along (negative counts from the end). */
    readonly dim: number,
  ) {
    super();
  }
  /** The log-softmax of `x` along `dim` (same shape). */
  forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Returns its input, as `torch.nn.Identity` (a placeholder where a layer is optional). */
export class Identity extends Module {
  /** `x` itself. */
  forward(x: Tensor): Tensor {
    return x;
  }
}
