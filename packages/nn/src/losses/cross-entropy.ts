import {
  cast,
  DTypeError,
  gather,
  indexSelect,
  logSoftmax,
  ShapeError,
  softmaxCrossEntropy,
  type Tensor,
  ValueError,
  where,
} from '@rnn/tensor';
import { checkFloat, checkReduction, type Reduction } from './reduction';

/** Options of {@link nllLoss} (PyTorch's `nll_loss` arguments and defaults). */
export interface NllLossOptions {
  /** Per-class weights `[C]`; a weighted `'mean'` divides by the summed weights of the counted targets. */
  weight?: Tensor;
  /** Targets equal to this value count for nothing (default `-100`). */
  ignoreIndex?: number;
  /** `'mean'` (default), `'sum'` or `'none'` (then the shape of the target). */
  reduction?: Reduction;
}

/** Options of {@link crossEntropy} (PyTorch's `cross_entropy` arguments and defaults). */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * Mixes the target with the uniform distribution: `(1 - ε)·target + ε / C` (default 0). With class
   * index targets this is PyTorch's formula, ignored targets excluded.
   */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits and targets, like `torch.nn.functional.cross_entropy`.
 *
 * - `input`: logits `[N, C]`, `[C]` or `[N, C, d1, ...]` (classes on dimension 1), floating-point.
 * - `target`: int32 class indices `[N]`, `[]` or `[N, d1, ...]` in `[0, C)` or equal to `ignoreIndex`;
 *   or class probabilities of the input's shape (floating-point), as PyTorch accepts.
 *
 * Without `weight` and `labelSmoothing` it runs the numerically stable fused `softmaxCrossEntropy` of
 * `@rnn/tensor` (a backend kernel where one exists). Out-of-range targets are a `ValueError`, wrong
 * shapes a `ShapeError`, wrong dtypes a `DTypeError`.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(logits, labels, { ignoreIndex: PAD, labelSmoothing: 0.1 });
 * loss.backward();
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const reduction = checkReduction(op, options.reduction);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  }
  checkFloat(op, 'input', input);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dimension, got a scalar`);
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  const weight = checkWeight(op, options.weight, classes, input);
  if (target.dtype === 'float32' || target.dtype === 'float64') {
    return probabilityTargets(input, target, weight, reduction, smoothing);
  }
  const flat = flattenClasses(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const hasIgnored = checkTargets(op, flat.target, classes, ignoreIndex);
  if (!weight && smoothing === 0) {
    // Fast path: the fused, numerically stable kernel on the logits.
    const valid = hasIgnored ? flat.target.ne(ignoreIndex) : null;
    const safe = valid ? where(valid, flat.target, 0) : flat.target;
    let losses = softmaxCrossEntropy(flat.input, safe);
    if (valid) losses = losses.mul(cast(valid, losses.dtype));
    if (reduction === 'none') return losses.reshape(flat.outShape);
    if (reduction === 'sum') return losses.sum();
    return valid ? losses.sum().div(cast(valid, losses.dtype).sum()) : losses.mean();
  }
  const logp = logSoftmax(flat.input, 1);
  const nll = weightedNll(logp, flat.target, weight, ignoreIndex, hasIgnored);
  if (smoothing === 0) return finishNll(nll, reduction, flat.outShape);
  // PyTorch: (1 - ε)·nll + ε/C · Σ_c -w_c·log p_c, with the same masking and normalisation.
  let smooth = (weight ? logp.mul(weight.reshape([1, classes])) : logp).sum(1).neg();
  if (nll.valid) smooth = smooth.mul(nll.valid);
  const a = finishNll(nll, reduction, flat.outShape).mul(1 - smoothing);
  let b: Tensor;
  if (reduction === 'none') b = smooth.reshape(flat.outShape);
  else if (reduction === 'sum') b = smooth.sum();
  else b = smooth.sum().div(nll.weights.sum());
  return a.add(b.mul(smoothing / classes));
}

/**
 * Negative log-likelihood of log-probabilities, like `torch.nn.functional.nll_loss`: `input` holds
 * log-probabilities `[N, C]`, `[C]` or `[N, C, d1, ...]`, `target` int32 class indices of the matching
 * shape. The per-element loss is `-weight[t]·input[t]` (0 for ignored targets); the weighted `'mean'`
 * divides by the summed weights of the counted targets (NaN when every target is ignored, as PyTorch).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const reduction = checkReduction(op, options.reduction);
  checkFloat(op, 'input', input);
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dimension, got a scalar`);
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  const weight = checkWeight(op, options.weight, classes, input);
  if (target.dtype === 'float32' || target.dtype === 'float64') {
    throw new DTypeError(`${op}: target must hold int32 class indices, got ${target.dtype}`);
  }
  const flat = flattenClasses(op, input, target);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const hasIgnored = checkTargets(op, flat.target, classes, ignoreIndex);
  const nll = weightedNll(flat.input, flat.target, weight, ignoreIndex, hasIgnored);
  return finishNll(nll, reduction, flat.outShape);
}

// ------------------------------------------------------------------ helpers

interface Flat {
  /** `[M, C]` */
  input: Tensor;
  /** `[M]` int32 */
  target: Tensor;
  /** Shape of the unreduced loss. */
  outShape: number[];
}

/** Moves the class dimension last and flattens the rest: `[N, C, d...]` → `[N·d..., C]`. */
function flattenClasses(op: string, input: Tensor, target: Tensor): Flat {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: class-index targets must be int32, got ${target.dtype}`);
  }
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: target must have shape [${expected.join(', ')}] for input [${input.shape.join(', ')}], ` +
        `got [${target.shape.join(', ')}]`,
    );
  }
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  let x = input;
  if (input.ndim === 1) x = input.reshape([1, classes]);
  else if (input.ndim > 2) {
    const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2), 1];
    x = input.permute(dims).reshape([-1, classes]);
  }
  return { input: x, target: target.reshape([target.size]), outShape: expected };
}

function checkWeight(
  op: string,
  weight: Tensor | undefined,
  classes: number,
  input: Tensor,
): Tensor | undefined {
  if (!weight) return undefined;
  checkFloat(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      `${op}: weight must have shape [${classes}] (one per class), got [${weight.shape.join(', ')}]`,
    );
  }
  return weight.dtype === input.dtype ? weight : weight.asType(input.dtype);
}

/**
 * Checks class indices where the backend reads synchronously; returns whether any target is ignored
 * (`true` when it cannot tell, so that masking is always applied then).
 */
function checkTargets(op: string, target: Tensor, classes: number, ignoreIndex: number): boolean {
  if (!target.backend.readSync) return true;
  const data = target.dataSync();
  let ignored = false;
  for (let i = 0; i < data.length; i++) {
    const t = data[i];
    if (t === ignoreIndex) ignored = true;
    else if (t < 0 || t >= classes) {
      throw new ValueError(
        `${op}: target ${t} at position ${i} is out of range for ${classes} classes ` +
          `(expected 0..${classes - 1}, or ignoreIndex ${ignoreIndex})`,
      );
    }
  }
  return ignored;
}

interface Nll {
  /** Per-element `-w[t]·logp[t]` (0 where ignored), `[M]`. */
  losses: Tensor;
  /** Per-element weights `w[t]` (0 where ignored), `[M]`: the denominator of the mean. */
  weights: Tensor;
  /** 1 where counted, 0 where ignored, or null when nothing is ignored. */
  valid: Tensor | null;
}

function weightedNll(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | undefined,
  ignoreIndex: number,
  hasIgnored: boolean,
): Nll {
  const validMask = hasIgnored ? target.ne(ignoreIndex) : null;
  const safe = validMask ? where(validMask, target, 0) : target;
  const valid = validMask ? cast(validMask, logp.dtype) : null;
  const picked = gather(logp, 1, safe.reshape([safe.size, 1])).reshape([safe.size]);
  let weights = weight ? indexSelect(weight, 0, safe) : picked.fullLike(1);
  if (valid) weights = weights.mul(valid);
  return { losses: picked.mul(weights).neg(), weights, valid };
}

function finishNll(nll: Nll, reduction: Reduction, outShape: number[]): Tensor {
  if (reduction === 'none') return nll.losses.reshape(outShape);
  if (reduction === 'sum') return nll.losses.sum();
  return nll.losses.sum().div(nll.weights.sum());
}

/** Cross-entropy with class-probability targets (PyTorch ≥ 1.10 semantics). */
function probabilityTargets(
  input: Tensor,
  target: Tensor,
  weight: Tensor | undefined,
  reduction: Reduction,
  smoothing: number,
): Tensor {
  const op = 'crossEntropy';
  if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
    const indexShape = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
    if (target.ndim === indexShape.length && target.shape.every((d, i) => d === indexShape[i])) {
      // The shape of class indices in a float dtype: the common mistake is the dtype, not the shape.
      throw new DTypeError(
        `${op}: target [${target.shape.join(', ')}] ${target.dtype} has the shape of class indices, which ` +
          `must be int32 (e.g. tensor([...], { dtype: 'int32' }) or target.int()); float targets are ` +
          `class probabilities of the input's shape [${input.shape.join(', ')}]`,
      );
    }
    throw new ShapeError(
      `${op}: probability targets must have the input's shape [${input.shape.join(', ')}], got [${target.shape.join(', ')}]`,
    );
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  let t = target.dtype === input.dtype ? target : target.asType(input.dtype);
  if (smoothing > 0) t = t.mul(1 - smoothing).add(smoothing / classes);
  let prod = logSoftmax(input, classDim).mul(t);
  if (weight) {
    const shape = input.shape.map((d, i) => (i === classDim ? d : 1));
    prod = prod.mul(weight.reshape(shape));
  }
  if (reduction === 'none') return prod.sum(classDim).neg();
  if (reduction === 'sum') return prod.sum().neg();
  return prod
    .sum()
    .neg()
    .div(input.size / classes);
}
