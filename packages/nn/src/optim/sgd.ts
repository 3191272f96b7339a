import { sgdUpdateOp, type Tensor, ValueError } from '@rnn/tensor';
import { nonNegative, Optimizer, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer';

/** Options of {@link SGD} (PyTorch's names in camelCase, same defaults). */
export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight
 * decay, exactly as `torch.optim.SGD`:
 * `d = g + λθ; b = μb + (1 - τ)d (b = d at first); d = nesterov ? d + μb : b; θ -= lr·d`.
 *
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  protected get name(): string {
    return 'SGD';
  }

  /**
   * @param params - parameters, or parameter groups with their own options
   * @param options - defaults (`lr` is required here or in every group).
   */
  constructor(params: OptimizerParams<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  protected override checkGroup(group: ParamGroup<SGDOptions>): void {
    super.checkGroup(group);
    nonNegative(this.name, 'momentum', group.momentum);
    nonNegative(this.name, 'weightDecay', group.weightDecay);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ValueError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(p: Tensor, g: Tensor, group: ParamGroup<SGDOptions>, state: ParamState): void {
    const attrs = { ...hyper(group), firstStep: state.momentum_buffer === undefined };
    if (group.momentum === 0) {
      this.apply(sgdUpdateOp, [p], [p, g], attrs);
      return;
    }
    const buf = this.buffer(state, 'momentum_buffer', p);
    this.apply(sgdUpdateOp, [p, buf], [p, g, buf], attrs);
  }
}

function hyper(g: ParamGroup<SGDOptions>): SGDOptions {
  return {
    lr: g.lr,
    momentum: g.momentum,
    dampening: g.dampening,
    weightDecay: g.weightDecay,
    nesterov: g.nesterov,
    maximize: g.maximize,
  };
}
