import { adagradUpdateOp, keep, type Tensor } from '@rnn/tensor';
import { nonNegative, Optimizer, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer';

/** Options of {@link Adagrad} (PyTorch's names in camelCase, same defaults). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: the step size is `lr / (1 + (step - 1)·lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adagrad, exactly as `torch.optim.Adagrad`. As in PyTorch, its state (`step` 0 and `sum` filled with
 * `initialAccumulatorValue`) is created when parameters are added, not at the first step.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected get name(): string {
    return 'Adagrad';
  }

  /**
   * @param params - parameters, or parameter groups with their own options
   * @param options - defaults for the groups.
   */
  constructor(params: OptimizerParams<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...options,
    });
  }

  protected override checkGroup(group: ParamGroup<AdagradOptions>): void {
    super.checkGroup(group);
    nonNegative(this.name, 'lrDecay', group.lrDecay);
    nonNegative(this.name, 'weightDecay', group.weightDecay);
    nonNegative(this.name, 'initialAccumulatorValue', group.initialAccumulatorValue);
    nonNegative(this.name, 'eps', group.eps);
  }

  protected override initGroup(group: ParamGroup<AdagradOptions>): void {
    for (const p of group.params) {
      this.state.set(p, { step: 0, sum: keep(p.fullLike(group.initialAccumulatorValue)) });
    }
  }

  protected update(p: Tensor, g: Tensor, group: ParamGroup<AdagradOptions>, state: ParamState): void {
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const sum = this.buffer(state, 'sum', p, group.initialAccumulatorValue);
    const attrs = {
      lr: group.lr,
      lrDecay: group.lrDecay,
      weightDecay: group.weightDecay,
      initialAccumulatorValue: group.initialAccumulatorValue,
      eps: group.eps,
      maximize: group.maximize,
      step,
    };
    this.apply(adagradUpdateOp, [p, sum], [p, g, sum], attrs);
  }
}
