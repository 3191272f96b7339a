// Loss functions as modules, like `torch.nn.CrossEntropyLoss` and friends: options fixed at
// construction, class weights kept as buffers (so they follow `to(backend)` and appear in the state
// dict under PyTorch's names, `weight` and `pos_weight`).
import type { Tensor } from '@rnn/tensor';
import { Module } from '../module';
import { type BceWithLogitsOptions, binaryCrossEntropyWithLogits } from './bce';
import { type CrossEntropyOptions, crossEntropy, type NllLossOptions, nllLoss } from './cross-entropy';
import { type MseLossOptions, mseLoss } from './mse';
import type { Reduction } from './reduction';

/**
 * `torch.nn.CrossEntropyLoss`: {@link crossEntropy} with fixed options.
 *
 * @example
 * ```ts
 * const criterion = new CrossEntropyLoss({ ignoreIndex: PAD });
 * const loss = criterion.forward(logits, labels);
 * ```
 */
export class CrossEntropyLoss extends Module {
  /** Per-class weights `[C]` (a buffer), or `null`. */
  weight: Tensor | null;
  /** Targets with this value are left out of the loss and the mean (default -100). */
  readonly ignoreIndex: number;
  /** `'mean'` (the default), `'sum'` or `'none'` (one loss per sample). */
  readonly reduction: Reduction;
  /** In `[0, 1]`: the share of the target's probability spread over all classes (default 0). */
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    this.weight = options.weight ?? null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  /** The loss of logits `input` against `target` (class indices or probabilities). */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }

  override extraRepr(): string {
    return `ignoreIndex=${this.ignoreIndex}, reduction='${this.reduction}', labelSmoothing=${this.labelSmoothing}`;
  }
}

/** `torch.nn.NLLLoss`: {@link nllLoss} (on log-probabilities) with fixed options. */
export class NLLLoss extends Module {
  /** Per-class weights `[C]` (a buffer), or `null`. */
  weight: Tensor | null;
  /** Targets with this value are left out of the loss and the mean (default -100). */
  readonly ignoreIndex: number;
  /** `'mean'` (the default), `'sum'` or `'none'` (one loss per sample). */
  readonly reduction: Reduction;

  constructor(options: NllLossOptions = {}) {
    super();
    this.weight = options.weight ?? null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
  }

  /** The loss of log-probabilities `input` against class indices `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight ?? undefined,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }

  override extraRepr(): string {
    return `ignoreIndex=${this.ignoreIndex}, reduction='${this.reduction}'`;
  }
}

/** `torch.nn.MSELoss`: {@link mseLoss} with a fixed reduction. */
export class MSELoss extends Module {
  /** `'mean'` (the default), `'sum'` or `'none'` (one loss per element). */
  readonly reduction: Reduction;

  constructor(options: MseLossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }

  /** The mean (or summed, or elementwise) squared error. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/** `torch.nn.BCEWithLogitsLoss`: {@link binaryCrossEntropyWithLogits} with fixed options. */
export class BCEWithLogitsLoss extends Module {
  /** Elementwise weights (a buffer), or `null`. */
  weight: Tensor | null;
  /** Positive-class weights (a buffer, `pos_weight` in the state dict), or `null`. */
  pos_weight: Tensor | null;
  /** `'mean'` (the default), `'sum'` or `'none'` (one loss per element). */
  readonly reduction: Reduction;

  constructor(options: BceWithLogitsOptions = {}) {
    super();
    this.weight = options.weight ?? null;
    this.pos_weight = options.posWeight ?? null;
    this.reduction = options.reduction ?? 'mean';
  }

  /** The loss of logits `input` against probabilities `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight ?? undefined,
      posWeight: this.pos_weight ?? undefined,
      reduction: this.reduction,
    });
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}
