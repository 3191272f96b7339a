import type { Tensor } from '../tensor';

/**
 * Computes the gradients of a node's inputs from the gradients of its outputs. `needsGrad[i]` says
 * whether input `i` wants a gradient; return `null` for the others (and for inputs that get none).
 */
export type BackwardFn = (gradOutputs: (Tensor | null)[], needsGrad: readonly boolean[]) => (Tensor | null)[];

/** One recorded operation in the autograd graph. */
export class GradNode {
  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    public backwardFn: BackwardFn | null,
    readonly numOutputs: number,
  ) {}
}
