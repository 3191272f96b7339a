import { adamUpdateOp, type Tensor, ValueError } from '@rnn/tensor';
import { nonNegative, Optimizer, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer';

/** Options of {@link Adam} and {@link AdamW} (PyTorch's names in camelCase, same defaults). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default `[0.9, 0.999]`). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adam (Kingma & Ba), exactly as `torch.optim.Adam`, with optional L2 weight decay (added to the
 * gradient) and AMSGrad. State per parameter: `step`, `exp_avg`, `exp_avg_sq` (`max_exp_avg_sq`).
 */
export class Adam extends Optimizer<AdamOptions> {
  protected get name(): string {
    return 'Adam';
  }

  /** Whether weight decay is decoupled from the gradient (AdamW). */
  protected get decoupled(): boolean {
    return false;
  }

  /**
   * @param params - parameters, or parameter groups with their own options
   * @param options - defaults for the groups.
   */
  constructor(params: OptimizerParams<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  protected override checkGroup(group: ParamGroup<AdamOptions>): void {
    super.checkGroup(group);
    nonNegative(this.name, 'eps', group.eps);
    nonNegative(this.name, 'weightDecay', group.weightDecay);
    const b = group.betas;
    if (!Array.isArray(b) || b.length !== 2)
      throw new ValueError(`${this.name}: betas must be [beta1, beta2]`);
    b.forEach((beta, i) => {
      if (!(beta >= 0 && beta < 1))
        throw new ValueError(`${this.name}: invalid beta parameter at index ${i}: ${beta}`);
    });
  }

  protected update(p: Tensor, g: Tensor, group: ParamGroup<AdamOptions>, state: ParamState): void {
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const m = this.buffer(state, 'exp_avg', p);
    const v = this.buffer(state, 'exp_avg_sq', p);
    const attrs = {
      lr: group.lr,
      betas: group.betas,
      eps: group.eps,
      weightDecay: group.weightDecay,
      amsgrad: group.amsgrad,
      maximize: group.maximize,
      step,
      decoupled: this.decoupled,
    };
    if (group.amsgrad) {
      const vmax = this.buffer(state, 'max_exp_avg_sq', p);
      this.apply(adamUpdateOp, [p, m, v, vmax], [p, g, m, v, vmax], attrs);
    } else {
      this.apply(adamUpdateOp, [p, m, v], [p, g, m, v], attrs);
    }
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, `θ ← θ·(1 - lr·λ)` before the Adam
 * step, exactly as `torch.optim.AdamW` (default `weightDecay` 1e-2).
 */
export class AdamW extends Adam {
  protected override get name(): string {
    return 'AdamW';
  }

  protected override get decoupled(): boolean {
    return true;
  }

  /**
   * @param params - parameters, or parameter groups with their own options
   * @param options - defaults for the groups.
   */
  constructor(params: OptimizerParams<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...options });
  }
}
