/**
 * Conformance cases for the CPU kernels of `@rnn/nn`'s optimizer updates (`adamUpdate`, `sgdUpdate`).
 * The ops and their composites live in `@rnn/nn`, which this package cannot import; here they are
 * restated with the same formulas so the suite's coverage check and a kernel-against-composite check
 * run inside `@rnn/tensor`. The check against `@rnn/nn`'s own composites runs in
 * `packages/cpu-native/test/conformance-native.test.ts` (with and without the native kernels).
 */
import { type FusedOp, runFused, type Tensor } from '../src/index';
import type { FusedConformanceCase } from '../src/testing/index';

const updateOutputs = (inputs: readonly Tensor[]) =>
  inputs.filter((_, i) => i !== 1).map((t) => ({ shape: [...t.shape], dtype: t.dtype }));

interface AdamVariant {
  name: string;
  decoupled: boolean;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  step: number;
}

/** `nn/src/optim/adam.ts`'s composite, term by term. */
const adamUpdateOp: FusedOp = {
  name: 'adamUpdate',
  composite([p, g, m, v, vmax], attrs) {
    const a = attrs as unknown as AdamVariant & { lr: number; betas: [number, number]; eps: number };
    const [beta1, beta2] = a.betas;
    let grad = a.maximize ? g.neg() : g;
    let param = p;
    if (a.decoupled) param = p.mul(1 - a.lr * a.weightDecay);
    else if (a.weightDecay !== 0) grad = grad.add(p.mul(a.weightDecay));
    const m1 = m.mul(beta1).add(grad.mul(1 - beta1));
    const v1 = v.mul(beta2).add(grad.mul(1 - beta2).mul(grad));
    const stepSize = a.lr / (1 - beta1 ** a.step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** a.step);
    const vmax1 = a.amsgrad ? vmax.maximum(v1) : undefined;
    const denom = (vmax1 ?? v1).sqrt().div(bias2Sqrt).add(a.eps);
    const next = param.add(m1.div(denom).mul(-stepSize));
    return vmax1 ? [next, m1, v1, vmax1] : [next, m1, v1];
  },
  outputs: updateOutputs,
};

interface SgdVariant {
  name: string;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  firstStep: boolean;
}

/** `nn/src/optim/sgd.ts`'s composite, term by term. */
const sgdUpdateOp: FusedOp = {
  name: 'sgdUpdate',
  composite([p, g, buf], attrs) {
    const a = attrs as unknown as SgdVariant & { lr: number };
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

export const ADAM_VARIANTS: AdamVariant[] = [
  { name: 'Adam', decoupled: false, weightDecay: 0, amsgrad: false, maximize: false, step: 1 },
  {
    name: 'Adam with L2 decay, step 7',
    decoupled: false,
    weightDecay: 0.1,
    amsgrad: false,
    maximize: false,
    step: 7,
  },
  { name: 'AdamW, step 3', decoupled: true, weightDecay: 0.01, amsgrad: false, maximize: false, step: 3 },
  {
    name: 'AMSGrad, maximize, step 1000',
    decoupled: true,
    weightDecay: 0.1,
    amsgrad: true,
    maximize: true,
    step: 1000,
  },
];

export const SGD_VARIANTS: SgdVariant[] = [
  {
    name: 'plain',
    momentum: 0,
    dampening: 0,
    weightDecay: 0,
    nesterov: false,
    maximize: false,
    firstStep: true,
  },
  {
    name: 'momentum, first step',
    momentum: 0.9,
    dampening: 0,
    weightDecay: 0,
    nesterov: false,
    maximize: false,
    firstStep: true,
  },
  {
    name: 'momentum, dampening, L2',
    momentum: 0.9,
    dampening: 0.1,
    weightDecay: 0.01,
    nesterov: false,
    maximize: false,
    firstStep: false,
  },
  {
    name: 'Nesterov, maximize',
    momentum: 0.5,
    dampening: 0,
    weightDecay: 0.01,
    nesterov: true,
    maximize: true,
    firstStep: false,
  },
];

/** Conformance cases for `adamUpdate` and `sgdUpdate` with the given ops (the restated ones by default). */
export function optimizerCases(ops = { adam: adamUpdateOp, sgd: sgdUpdateOp }): FusedConformanceCase[] {
  const shape = [3, 7];
  const adam = ADAM_VARIANTS.map(
    ({ name, ...v }): FusedConformanceCase => ({
      op: 'adamUpdate',
      name: `adamUpdate: ${name}`,
      differentiable: false,
      inputs: (uniform) => {
        const list = [
          { shape, data: uniform(21, -2, 2) }, // param
          { shape, data: uniform(21, -1, 1) }, // grad
          { shape, data: uniform(21, -0.1, 0.1) }, // exp_avg
          { shape, data: uniform(21, 0, 0.01) }, // exp_avg_sq
        ];
        if (v.amsgrad) list.push({ shape, data: uniform(21, 0, 0.01) }); // max_exp_avg_sq
        return list;
      },
      run: (xs) => runFused(ops.adam, xs, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, ...v }),
    }),
  );
  const sgd = SGD_VARIANTS.map(
    ({ name, ...v }): FusedConformanceCase => ({
      op: 'sgdUpdate',
      name: `sgdUpdate: ${name}`,
      differentiable: false,
      inputs: (uniform) => {
        const list = [
          { shape, data: uniform(21, -2, 2) }, // param
          { shape, data: uniform(21, -1, 1) }, // grad
        ];
        if (v.momentum !== 0) list.push({ shape, data: uniform(21, -0.5, 0.5) }); // momentum_buffer
        return list;
      },
      run: (xs) => runFused(ops.sgd, xs, { lr: 0.1, ...v }),
    }),
  );
  return [...adam, ...sgd];
}
