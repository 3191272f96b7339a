import type { FusedOp, Tensor } from '@rnn/tensor';
import {
  nonNegative,
  Optimizer,
  type OptimizerParams,
  type ParamGroup,
  type ParamState,
  updateOutputs,
} from './optimizer';

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
 * The fused RMSprop update (`rmspropUpdate`): inputs `[param, grad, squareAvg, gradAvg?, momentumBuffer?]`
 * (`gradAvg` when centered, the buffer when momentum > 0), outputs the same minus the gradient.
 */
export const rmspropUpdateOp: FusedOp = {
  name: 'rmspropUpdate',
  composite(inputs, attrs) {
    const a = attrs as unknown as RMSpropOptions;
    const [p, g, sq] = inputs;
    let k = 3;
    const ga = a.centered ? inputs[k++] : undefined;
    const buf = a.momentum > 0 ? inputs[k++] : undefined;
    let grad = a.maximize ? g.neg() : g;
    if (a.weightDecay !== 0) grad = grad.add(p.mul(a.weightDecay));
    const sq1 = sq.mul(a.alpha).add(grad.mul(1 - a.alpha).mul(grad));
    const ga1 = ga ? ga.mul(a.alpha).add(grad.mul(1 - a.alpha)) : undefined;
    const avg = (ga1 ? sq1.sub(ga1.mul(ga1)) : sq1).sqrt().add(a.eps);
    const outs = [sq1];
    if (ga1) outs.push(ga1);
    let next: Tensor;
    if (buf) {
      const buf1 = buf.mul(a.momentum).add(grad.div(avg));
      outs.push(buf1);
      next = p.add(buf1.mul(-a.lr));
    } else {
      next = p.add(grad.div(avg).mul(-a.lr));
    }
    return [next, ...outs];
  },
  outputs: updateOutputs,
};

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
