import { DTypeError, rand, ShapeError, type Tensor, ValueError } from '@rnn/tensor';
import type { SampleOptions } from './categorical';
import { readIfHost, sameShape, shapeOf } from './common';

/** How a {@link Bernoulli} is given: log-odds or probabilities of a 1 (exactly one). */
export type BernoulliParams = { logits: Tensor; probs?: undefined } | { probs: Tensor; logits?: undefined };

/**
 * `log σ(x)` computed stably: `min(x, 0) − log(1 + exp(−|x|))`, finite for any finite `x`.
 */
export function logSigmoid(x: Tensor): Tensor {
  return x.minimum(0).sub(x.abs().neg().exp().add(1).log());
}

/**
 * Independent binary variables of any shape, as `torch.distributions.Bernoulli`: values are 0 or 1
 * in the parameters' dtype. From logits every quantity is computed stably (no `log 0`).
 *
 * @example
 * ```ts
 * const stop = new Bernoulli({ logits: head.forward(h).squeeze(-1) });  // [B]
 * const decision = stop.sample();                                       // 0/1, float [B]
 * const logProb = stop.logProb(decision);
 * ```
 */
export class Bernoulli {
  /** Log-odds of a 1 (the parameters' shape). */
  readonly logits: Tensor;
  /** The shape of the batch of variables. */
  readonly batchShape: readonly number[];
  private readonly validate: boolean;
  private _probs: Tensor | null;

  constructor(params: BernoulliParams, options: { validateArgs?: boolean } = {}) {
    if ((params.logits === undefined) === (params.probs === undefined)) {
      throw new ValueError('Bernoulli: pass exactly one of logits and probs');
    }
    const given = params.logits ?? params.probs;
    const what = params.logits !== undefined ? 'logits' : 'probs';
    if (given.dtype !== 'float32' && given.dtype !== 'float64') {
      throw new DTypeError(`Bernoulli: ${what} must be float32 or float64, got ${given.dtype}`);
    }
    this.batchShape = given.shape;
    this.validate = options.validateArgs ?? true;
    if (params.probs !== undefined) {
      if (this.validate) {
        const data = readIfHost(params.probs);
        data?.forEach((v, i) => {
          if (!(v >= 0 && v <= 1))
            throw new ValueError(`Bernoulli: probs must be in [0, 1], got ${v} at ${i}`);
        });
      }
      // As PyTorch: log-odds of probabilities clamped away from 0 and 1 by the dtype's epsilon.
      const eps = params.probs.dtype === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7;
      const p = params.probs.clamp(eps, 1 - eps);
      this.logits = p.log().sub(p.neg().add(1).log());
      this._probs = params.probs;
    } else {
      this.logits = params.logits;
      this._probs = null;
    }
  }

  /** Probabilities of a 1. */
  get probs(): Tensor {
    this._probs ??= this.logits.sigmoid();
    return this._probs;
  }

  /** Draws 0/1 values (`[...sampleShape, ...batch]`, the parameters' dtype); not differentiable. */
  sample(options: SampleOptions = {}): Tensor {
    const shape = [...(options.sampleShape ?? []), ...this.batchShape];
    const u = rand(shape, {
      dtype: this.logits.dtype,
      backend: this.logits.backend,
      generator: options.generator,
    });
    return u.lt(this.probs.detach()).asType(this.logits.dtype);
  }

  /** `v log p + (1 − v) log(1 − p)` for values `v` of 0 and 1, differentiable in the parameters. */
  logProb(value: Tensor): Tensor {
    const k = this.batchShape.length;
    if (value.ndim < k || !sameShape(value.shape.slice(value.ndim - k), this.batchShape)) {
      throw new ShapeError(
        `Bernoulli.logProb: value must be [...sample, ${this.batchShape.join(', ')}] (the batch shape), got ${shapeOf(value)}`,
      );
    }
    if (this.validate) {
      readIfHost(value)?.forEach((v, i) => {
        if (v !== 0 && v !== 1) throw new ValueError(`Bernoulli.logProb: expected 0 or 1, got ${v} at ${i}`);
      });
    }
    const v = value.asType(this.logits.dtype);
    return v.mul(logSigmoid(this.logits)).add(v.neg().add(1).mul(logSigmoid(this.logits.neg())));
  }

  /** Entropy `−p log p − (1 − p) log(1 − p)` per variable, in nats. */
  entropy(): Tensor {
    const p = this.logits.sigmoid();
    return p
      .mul(logSigmoid(this.logits))
      .add(p.neg().add(1).mul(logSigmoid(this.logits.neg())))
      .neg();
  }

  /** The more probable value (1 where `p > 0.5`, else 0; ties go to 0). */
  mode(): Tensor {
    return this.logits.gt(0).asType(this.logits.dtype);
  }
}
