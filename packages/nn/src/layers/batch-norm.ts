import { full, keep, noGrad, ShapeError, type Tensor, tensor, ValueError } from '@rnn/tensor';
import {
  checkSize,
  constantParameter,
  type FactoryOptions,
  factory,
  Module,
  type Parameter,
} from '../module';

/** Options of {@link BatchNorm1d}. */
export interface BatchNormOptions extends FactoryOptions {
  /** Added to the variance for stability (default `1e-5`). */
  eps?: number;
  /**
   * Weight of the batch statistics in each running-statistics update (default `0.1`):
   * `running = (1 − momentum) · running + momentum · batch`. `null` keeps a cumulative average
   * (momentum `1 / num_batches_tracked`), as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros); default `true`. */
  affine?: boolean;
  /**
   * Keep running mean and variance for evaluation (default `true`). Without them the batch's own
   * statistics are used in both modes and the module has no buffers.
   */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over a mini-batch, as `torch.nn.BatchNorm1d`: input `[N, C]` or `[N, C, L]`,
 * each channel normalised by its mean and biased variance over the batch (and length),
 * `y = (x − mean) / √(var + eps) · weight + bias`.
 *
 * In training mode the batch statistics are used and the running statistics updated (the running
 * variance with the unbiased batch variance, as PyTorch); in evaluation mode (`eval()`) the running
 * statistics are used. The state dict has PyTorch's names: `weight`, `bias`, `running_mean`,
 * `running_var` and `num_batches_tracked` (int32 here, int64 in PyTorch; safetensors files load both
 * ways).
 *
 * @example
 * ```ts
 * const mlp = new Sequential(new Linear(1200, 1024), new BatchNorm1d(1024), new ReLU(), new Linear(1024, 3));
 * ```
 */
export class BatchNorm1d extends Module {
  /** Added to the variance. */
  readonly eps: number;
  /** See {@link BatchNormOptions.momentum}. */
  readonly momentum: number | null;
  /** `[C]`, starts at ones; `null` without `affine`. */
  weight: Parameter | null;
  /** `[C]`, starts at zeros; `null` without `affine`. */
  bias: Parameter | null;
  /** `[C]` running mean (zeros at first); `null` without `trackRunningStats`. */
  running_mean: Tensor | null;
  /** `[C]` running variance (ones at first); `null` without `trackRunningStats`. */
  running_var: Tensor | null;
  /** Number of training batches seen (a 0-d int32 tensor); `null` without `trackRunningStats`. */
  num_batches_tracked: Tensor | null;

  constructor(
    /** `C`, the number of features (channels) of the input `[N, C]` or `[N, C, L]`. */
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    checkSize('BatchNorm1d', 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ValueError(`BatchNorm1d: eps must be non-negative, got ${this.eps}`);
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ValueError(`BatchNorm1d: momentum must be in [0, 1] or null, got ${this.momentum}`);
    }
    const affine = options.affine ?? true;
    this.weight = affine ? constantParameter([numFeatures], 1, options) : null;
    this.bias = affine ? constantParameter([numFeatures], 0, options) : null;
    if (options.trackRunningStats ?? true) {
      const f = factory('BatchNorm1d', options);
      this.running_mean = keep(full([numFeatures], 0, f));
      this.running_var = keep(full([numFeatures], 1, f));
      this.num_batches_tracked = keep(tensor(0, { dtype: 'int32', backend: f.backend }));
    } else {
      this.running_mean = null;
      this.running_var = null;
      this.num_batches_tracked = null;
    }
  }

  /** Normalises `x` `[N, C]` or `[N, C, L]`. */
  forward(x: Tensor): Tensor {
    const C = this.numFeatures;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== C) {
      throw new ShapeError(
        `BatchNorm1d: expected input [N, ${C}] or [N, ${C}, L], got [${x.shape.join(', ')}]`,
      );
    }
    const axes = x.ndim === 2 ? [0] : [0, 2];
    const perChannel = x.ndim === 2 ? [1, C] : [1, C, 1];
    const useBatch = this.training || this.running_mean === null;
    let centred: Tensor;
    let variance: Tensor;
    if (useBatch) {
      const n = x.ndim === 2 ? x.shape[0] : x.shape[0] * x.shape[2];
      if (this.training && n < 2) {
        throw new ValueError(
          `BatchNorm1d: expected more than 1 value per channel when training, got input [${x.shape.join(', ')}]`,
        );
      }
      const mean = x.mean(axes, true);
      centred = x.sub(mean);
      variance = centred.square().mean(axes, true);
      if (this.training && this.running_mean !== null) this.updateRunningStats(mean, variance, n);
    } else {
      centred = x.sub(this.running_mean!.reshape(perChannel));
      variance = this.running_var!.reshape(perChannel);
    }
    let y = centred.div(variance.add(this.eps).sqrt());
    if (this.weight) y = y.mul(this.weight.reshape(perChannel));
    if (this.bias) y = y.add(this.bias.reshape(perChannel));
    return y;
  }

  private updateRunningStats(mean: Tensor, variance: Tensor, n: number): void {
    noGrad(() => {
      const count = this.num_batches_tracked!.add(1);
      this.num_batches_tracked!.assign(count);
      // momentum null: the cumulative average, 1 / count, computed on the device (no read back).
      const m: Tensor | number = this.momentum ?? count.asType(this.running_mean!.dtype).pow(-1);
      const keepOld = typeof m === 'number' ? 1 - m : m.neg().add(1);
      const C = this.numFeatures;
      const unbiased = variance.reshape([C]).mul(n / (n - 1));
      this.running_mean!.assign(this.running_mean!.mul(keepOld).add(mean.reshape([C]).mul(m)));
      this.running_var!.assign(this.running_var!.mul(keepOld).add(unbiased.mul(m)));
    });
  }

  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, ` +
      `trackRunningStats=${this.running_mean !== null}`
    );
  }
}
