import { rmspropUpdateOp, type Tensor } from '@rnn/tensor';
import { nonNegative, Optimizer, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer';

/** Options of {@link RMSprop} (PyTorch's names in camelCase, same defaults). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop, exactly as `torch.optim.RMSprop` (Hinton's formulation with eps outside the square root),
 * with optional momentum, centering and weight decay. State per parameter: `step`, `square_avg`
 * (`momentum_buffer`, `grad_avg`).
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected get name(): string {
    return 'RMSprop';
  }

  /**
   * @param params - parameters, or parameter groups with their own options
   * @param options - defaults for the groups.
   */
  constructor(params: OptimizerParams<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    });
  }

  protected override checkGroup(group: ParamGroup<RMSpropOptions>): void {
    super.checkGroup(group);
    nonNegative(this.name, 'eps', group.eps);
    nonNegative(this.name, 'momentum', group.momentum);
    nonNegative(this.name, 'weightDecay', group.weightDecay);
    nonNegative(this.name, 'alpha', group.alpha);
  }

  protected update(p: Tensor, g: Tensor, group: ParamGroup<RMSpropOptions>, state: ParamState): void {
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const targets = [p, this.buffer(state, 'square_avg', p)];
    if (group.centered) targets.push(this.buffer(state, 'grad_avg', p));
    if (group.momentum > 0) targets.push(this.buffer(state, 'momentum_buffer', p));
    const attrs = {
      lr: group.lr,
      alpha: group.alpha,
      eps: group.eps,
      weightDecay: group.weightDecay,
      momentum: group.momentum,
      centered: group.centered,
      maximize: group.maximize,
    };
    this.apply(rmspropUpdateOp, targets, [p, g, ...targets.slice(1)], attrs);
  }
}
