import type { LayerNormAttrs } from './layer-norm';
import type { AdagradUpdateAttrs, AdamUpdateAttrs, RmspropUpdateAttrs, SgdUpdateAttrs } from './optim';
import type { RnnLayerAttrs } from './rnn-layer';

/** No attributes. */
export type NoAttrs = Readonly<Record<string, never>>;

/**
 * Every fused op of `@rnn/tensor`, by name, with the type of its attributes. A backend's `fused`
 * table is keyed by these names (see `FusedKernels`); the inputs and outputs of each op are documented
 * with its attributes (and, for ops without attributes, beside the op in `@rnn/tensor`'s `ops/`).
 *
 * - `softmaxCrossEntropy`: logits `[N, C]`, int32 targets `[N]` → per-row losses `[N]`.
 * - `lstmCell`: gate pre-activations `[B, 4H]` (i, f, g, o), cell `[B, H]` → `h'`, `c'` `[B, H]`.
 * - `tanhGrad` / `sigmoidGrad`: the activation's output `y` and the incoming gradient `g` → `g·(1 − y²)`,
 *   `g·y·(1 − y)`.
 * - `sumOfSquares`: any number of float tensors → a 0-d `Σ x²` over all their elements (float64 if an
 *   input is, else float32).
 * - `rnnLayer`, `layerNorm`, and the optimizer updates: see their attribute types.
 */
export interface FusedAttrs {
  softmaxCrossEntropy: NoAttrs;
  lstmCell: NoAttrs;
  tanhGrad: NoAttrs;
  sumOfSquares: NoAttrs;
  sigmoidGrad: NoAttrs;
  rnnLayer: RnnLayerAttrs;
  layerNorm: LayerNormAttrs;
  adamUpdate: AdamUpdateAttrs;
  sgdUpdate: SgdUpdateAttrs;
  rmspropUpdate: RmspropUpdateAttrs;
  adagradUpdate: AdagradUpdateAttrs;
}

/** The name of a fused op. */
export type FusedOpName = keyof FusedAttrs;
