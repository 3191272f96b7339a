/** Attributes of the fused optimizer updates (`adamUpdate`, `sgdUpdate`, `rmspropUpdate`, `adagradUpdate`). */

/** Attributes of {@link adamUpdateOp}: `torch.optim.Adam`'s options, the step, and AdamW's decay. */
export interface AdamUpdateAttrs {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** The step number, already incremented (1 on the first update). */
  step: number;
  /** Decoupled weight decay (AdamW) instead of L2 added to the gradient (Adam). */
  decoupled: boolean;
}

/** Attributes of {@link sgdUpdateOp}: `torch.optim.SGD`'s options and whether this is the first step. */
export interface SgdUpdateAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** The first update of this parameter: the momentum buffer starts as the gradient. */
  firstStep: boolean;
}

/** Attributes of {@link rmspropUpdateOp}: `torch.optim.RMSprop`'s options. */
export interface RmspropUpdateAttrs {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** Attributes of {@link adagradUpdateOp}: `torch.optim.Adagrad`'s options and the step. */
export interface AdagradUpdateAttrs {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
  /** The step number, already incremented (1 on the first update). */
  step: number;
}
