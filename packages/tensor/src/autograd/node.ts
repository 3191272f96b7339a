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

/**
 * A node whose gradient for input `input` is `aᵀ · b`, a sum of outer products over `rows` rows (the
 * weight of `linear`: `dW = dyᵀ · x`); `a` and `b` are the output gradient (`'grad'`) or a tensor the
 * node saved, each read as `[rows, its last dimension]`. The engine defers the product: the terms of every
 * use of one tensor are kept, and their sum is one product of their rows stacked when the gradient
 * is needed, instead of a product per use, each writing a weight-sized array to be summed (a weight
 * used at every step of a loop: SPINN's reduce, an RNN cell stepped by hand).
 */
export interface OuterGrad {
  readonly input: number;
  readonly a: Tensor | 'grad';
  readonly b: Tensor | 'grad';
  readonly rows: number;
}

const NO_INPUTS: readonly Tensor[] = Object.freeze([]);

/** One recorded operation in the autograd graph. */
export class GradNode {
  /** Set for gradients that scatter (see {@link ScatterGrad}); the engine may then skip `backwardFn`. */
  scatter: ScatterGrad | null = null;
  /** Set for a gradient that is a sum of outer products (see {@link OuterGrad}): the engine defers it. */
  outer: OuterGrad | null = null;
  /**
   * Tensors only this node's op made and nobody else can reach (a fused kernel's workspace, scalar
   * operands, casts): disposed by `backward()` when it frees the graph, so their storage goes back to
   * the pool at once instead of waiting for the collector.
   */
  owned: Tensor[] | null = null;

  constructor(
    readonly name: string,
    /** The op's inputs; emptied when the graph is freed. */
    public inputs: readonly Tensor[],
    /** Null once the graph is freed. */
    public backwardFn: BackwardFn | null,
    readonly numOutputs: number,
  ) {}

  /** Whether `backward()` already freed this node. */
  get freed(): boolean {
    return this.backwardFn === null;
  }

  /**
   * Drops everything the node holds (its inputs, the tensors its backward function saved), as PyTorch
   * frees the graph after `backward()` without `retain_graph`: a loss kept after `backward()` keeps
   * nothing of the forward pass alive. Returns the tensors it owned, for the caller to dispose once
   * no other node can still read them.
   */
  free(): Tensor[] | null {
    const owned = this.owned;
    this.backwardFn = null;
    this.inputs = NO_INPUTS;
    this.scatter = null;
    this.outer = null;
    this.owned = null;
    return owned;
  }
}
