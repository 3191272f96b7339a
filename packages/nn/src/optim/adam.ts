import type { FusedOp, Tensor } from '@rnn/tensor';
import { ValueError } from '@rnn/tensor';
import {
  nonNegative,
  Optimizer,
  type OptimizerParams,
  type ParamGroup,
  type ParamState,
  updateOutputs,
} from './optimizer';

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
 * The fused Adam/AdamW update (`adamUpdate`): inputs `[param, grad, expAvg, expAvgSq, maxExpAvgSq?]`,
 * outputs `[param', expAvg', expAvgSq', maxExpAvgSq'?]`; attributes are the group's options plus
 * `step` (already incremented) and `decoupled` (AdamW). A backend may bring a kernel of this name.
 */
export const adamUpdateOp: FusedOp = {
  name: 'adamUpdate',
  composite([p, g, m, v, vmax], attrs) {
    const a = attrs as unknown as AdamOptions & { step: number; decoupled: boolean };
    const [beta1, beta2] = a.betas;
    let grad = a.maximize ? g.neg() : g;
    let param = p;
    if (a.decoupled) param = p.mul(1 - a.lr * a.weightDecay);
    else if (a.weightDecay !== 0) grad = grad.add(p.mul(a.weightDecay));
    const m1 = m.mul(beta1).add(grad.mul(1 - beta1));
    const v1 = v.mul(beta2).add(grad.mul(1 - beta2).mul(grad));
    const bias1 = 1 - beta1 ** a.step;
    const bias2Sqrt = Math.sqrt(1 - beta2 ** a.step);
    const stepSize = a.lr / bias1;
    const vmax1 = a.amsgrad ? vmax.maximum(v1) : undefined;
    const denom = (vmax1 ?? v1).sqrt().div(bias2Sqrt).add(a.eps);
    const next = param.add(m1.div(denom).mul(-stepSize));
    return vmax1 ? [next, m1, v1, vmax1] : [next, m1, v1];
  },
  outputs: updateOutputs,
};

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
