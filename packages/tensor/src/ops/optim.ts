/**
 * The fused optimizer updates (`adamUpdate`, `sgdUpdate`, `rmspropUpdate`, `adagradUpdate`): one
 * op per parameter and step, whose composite is the reference formula and which a backend may run
 * as one kernel. `@rnn/nn`'s optimizers call them; they live here, beside the other fused ops, so
 * that backends and the conformance suite see one definition of each (names, inputs, attributes).
 * None is differentiable: they run under `noGrad`.
 */
import type {
  AdagradUpdateAttrs,
  AdamUpdateAttrs,
  RmspropUpdateAttrs,
  SgdUpdateAttrs,
} from '../backend/fused/optim';
import type { Tensor } from '../tensor';
import type { FusedOp } from './fused';

export type { AdagradUpdateAttrs, AdamUpdateAttrs, RmspropUpdateAttrs, SgdUpdateAttrs };

/** The shapes and dtypes of an update's outputs: its inputs without the gradient (input 1). */
function updateOutputs(inputs: readonly Tensor[]): { shape: number[]; dtype: Tensor['dtype'] }[] {
  return inputs.filter((_, i) => i !== 1).map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
}

/**
 * Adam / AdamW: inputs `[param, grad, expAvg, expAvgSq, maxExpAvgSq?]` (the last with AMSGrad),
 * outputs `[param', expAvg', expAvgSq', maxExpAvgSq'?]`.
 */
export const adamUpdateOp: FusedOp = {
  name: 'adamUpdate',
  composite([p, g, m, v, vmax], attrs) {
    const a = attrs as unknown as AdamUpdateAttrs;
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

/** SGD: inputs `[param, grad, momentumBuffer?]` (the buffer with momentum), outputs `[param', momentumBuffer'?]`. */
export const sgdUpdateOp: FusedOp = {
  name: 'sgdUpdate',
  composite([p, g, buf], attrs) {
    const a = attrs as unknown as SgdUpdateAttrs;
    let d = a.maximize ? g.neg() : g;
    if (a.weightDecay !== 0) d = d.add(p.mul(a.weightDecay));
    let b: Tensor | undefined;
    if (a.momentum !== 0) {
      b = a.firstStep ? d : buf.mul(a.momentum).add(d.mul(1 - a.dampening));
      d = a.nesterov ? d.add(b.mul(a.momentum)) : b;
    }
    const next = p.add(d.mul(-a.lr));
    return b ? [next, b] : [next];
  },
  outputs: updateOutputs,
};

/**
 * RMSprop: inputs `[param, grad, squareAvg, gradAvg?, momentumBuffer?]` (`gradAvg` when centered,
 * the buffer when momentum > 0), outputs the same without the gradient.
 */
export const rmspropUpdateOp: FusedOp = {
  name: 'rmspropUpdate',
  composite(inputs, attrs) {
    const a = attrs as unknown as RmspropUpdateAttrs;
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

/** Adagrad: inputs `[param, grad, sum]`, outputs `[param', sum']`. */
export const adagradUpdateOp: FusedOp = {
  name: 'adagradUpdate',
  composite([p, g, sum], attrs) {
    const a = attrs as unknown as AdagradUpdateAttrs;
    let grad = a.maximize ? g.neg() : g;
    if (a.weightDecay !== 0) grad = grad.add(p.mul(a.weightDecay));
    const clr = a.lr / (1 + (a.step - 1) * a.lrDecay);
    const sum1 = sum.add(grad.mul(grad));
    const std = sum1.sqrt().add(a.eps);
    return [p.add(grad.div(std).mul(-clr)), sum1];
  },
  outputs: updateOutputs,
};
