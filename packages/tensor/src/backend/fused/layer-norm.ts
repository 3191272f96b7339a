/**
 * Attributes of the `layerNorm` fused op. Its inputs are `x, [weight if hasWeight], [bias if hasBias]`,
 * its outputs `y` (the shape of `x`), and `mean` and `rstd` (`1/√(var + eps)`), each shaped as `x`
 * with the normalised dimensions kept as 1 (as PyTorch's `native_layer_norm`): what a kernel's
 * stateless backward needs. {@link layerNorm} returns only `y`.
 */
export interface LayerNormAttrs {
  /** Number of trailing dimensions of `x` normalised over (the rank of `weight` and `bias`). */
  normalizedDims: number;
  /** Added to the (biased) variance. */
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}
