/**
 * @internal The suite's cases for the fused optimizer updates that backends bring kernels for
 * (`adamUpdate`, `sgdUpdate` of `ops/optim.ts`): every variant of the attributes a kernel has to
 * handle, kernel against composite (forward only: the updates have no gradient). `rmspropUpdate` and
 * `adagradUpdate` have no kernel yet; the coverage check asks for cases when one appears.
 */
import { runFused } from '../ops/fused';
import { type AdamUpdateAttrs, adamUpdateOp, type SgdUpdateAttrs, sgdUpdateOp } from '../ops/optim';
import { type HostRng, spec } from './host';
import type { FusedCase } from './sections/fused';

const SHAPE = [3, 7];
const N = 21;

type Adam = Omit<AdamUpdateAttrs, 'lr' | 'betas' | 'eps'>;
const ADAM: [string, Adam][] = [
  ['Adam', { decoupled: false, weightDecay: 0, amsgrad: false, maximize: false, step: 1 }],
  [
    'Adam with L2 decay, step 7',
    { decoupled: false, weightDecay: 0.1, amsgrad: false, maximize: false, step: 7 },
  ],
  ['AdamW, step 3', { decoupled: true, weightDecay: 0.01, amsgrad: false, maximize: false, step: 3 }],
  [
    'AMSGrad with L2 decay, step 5',
    { decoupled: false, weightDecay: 0.05, amsgrad: true, maximize: false, step: 5 },
  ],
  [
    'AdamW, AMSGrad, maximize, step 1000',
    { decoupled: true, weightDecay: 0.1, amsgrad: true, maximize: true, step: 1000 },
  ],
];

type Sgd = Omit<SgdUpdateAttrs, 'lr'>;
const SGD: [string, Sgd][] = [
  ['plain', { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true }],
  [
    'L2 decay, maximize',
    { momentum: 0, dampening: 0, weightDecay: 0.1, nesterov: false, maximize: true, firstStep: false },
  ],
  [
    'momentum, first step',
    { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true },
  ],
  [
    'momentum, dampening, L2',
    { momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: false, firstStep: false },
  ],
  [
    'Nesterov, maximize',
    { momentum: 0.5, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: true, firstStep: false },
  ],
];

const param = (r: HostRng) => spec.float(SHAPE, r.uniform(N, -2, 2));
const grad = (r: HostRng) => spec.float(SHAPE, r.uniform(N, -1, 1));
const state = (r: HostRng, lo: number, hi: number) => spec.float(SHAPE, r.uniform(N, lo, hi));

export const OPTIMIZER_CASES: readonly FusedCase[] = [
  ...ADAM.map(
    ([name, v]): FusedCase => ({
      op: 'adamUpdate',
      name: `adamUpdate: ${name}`,
      differentiable: false,
      inputs: (r) => [
        param(r),
        grad(r),
        state(r, -0.1, 0.1), // exp_avg
        state(r, 0, 0.01), // exp_avg_sq
        ...(v.amsgrad ? [state(r, 0, 0.01)] : []), // max_exp_avg_sq
      ],
      run: (xs) => runFused(adamUpdateOp, xs, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, ...v }),
    }),
  ),
  ...SGD.map(
    ([name, v]): FusedCase => ({
      op: 'sgdUpdate',
      name: `sgdUpdate: ${name}`,
      differentiable: false,
      inputs: (r) => [param(r), grad(r), ...(v.momentum !== 0 ? [state(r, -0.5, 0.5)] : [])],
      run: (xs) => runFused(sgdUpdateOp, xs, { lr: 0.1, ...v }),
    }),
  ),
];
