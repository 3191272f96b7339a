import type { Tensor } from '../tensor';

/**
 * Computes the gradients of a node's inputs from the gradients of its outputs. `needsGrad[i]` says
 * whether input `i` wants a gradient; return `null` for the others (and for inputs that get none).
 */
export type BackwardFn = (gradOutputs: (Tensor | null)[], needsGrad: readonly boolean[]) => (Tensor | null)[];

/**
 * A node whose gradient for input 0 is its output gradient added into some rows along `axis` of
 * zeros shaped like the input: the rows `index` (`indexSelect`), or `start`, `start + step`, ...
 * (`slice`, `narrow`, `split`, `chunk`). The engine adds it straight into that input's gradient sum
 * when it can, instead of building the zero-filled tensor and summing it.
 */
export type ScatterGrad =
  | { readonly axis: number; readonly index: Tensor }
  | { readonly axis: number; readonly start: number; readonly step: number };

/** One recorded operation in the autograd graph. */
export class GradNode {
  /** Set for gradients that scatter (see {@link ScatterGrad}); the engine may then skip `backwardFn`. */
  scatter: ScatterGrad | null = null;

  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    public backwardFn: BackwardFn | null,
    readonly numOutputs: number,
  ) {}
}
