/**
 * The shared backend conformance suite of `@rnn/tensor`, on WebGPU. Stated tolerances: float32 results
 * use the suite's defaults (rtol 1.3e-6, atol 1e-5, as `torch.testing`); normal random numbers may
 * differ from the CPU backend's (computed in float64) by float32 rounding, rtol 1e-6 / atol 1e-6
 * (uniform numbers are compared bit for bit).
 *
 * `adamUpdate` and `sgdUpdate` are fused ops of `@rnn/nn` (its optimizers), so their cases come from
 * here: every variant of the attributes (Adam, AdamW, L2 decay, AMSGrad, maximize, a late step; SGD
 * plain, with momentum on the first and a later step, dampening, Nesterov), kernel against the composite.
 */
import { adamUpdateOp, sgdUpdateOp } from '@rnn/nn';
import { runFused } from '@rnn/tensor';
import { describeConformance, type FusedConformanceCase } from '@rnn/tensor/testing';
import { beforeAll } from 'vitest';
import { webgpu } from './gpu';

// Registers the backend as 'webgpu'; fails (never skips) when there is no adapter.
beforeAll(async () => {
  await webgpu();
});

const ADAM_VARIANTS = [
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
    name: 'AMSGrad with L2 decay, step 5',
    decoupled: false,
    weightDecay: 0.05,
    amsgrad: true,
    maximize: false,
    step: 5,
  },
  {
    name: 'AdamW, AMSGrad, maximize, step 1000',
    decoupled: true,
    weightDecay: 0.1,
    amsgrad: true,
    maximize: true,
    step: 1000,
  },
];

const adamCases: FusedConformanceCase[] = ADAM_VARIANTS.map(({ name, ...v }) => ({
  op: 'adamUpdate',
  name: `adamUpdate: ${name}`,
  differentiable: false,
  inputs: (uniform) => {
    const shape = [3, 7];
    const list = [
      { shape, data: uniform(21, -2, 2) }, // param
      { shape, data: uniform(21, -1, 1) }, // grad
      { shape, data: uniform(21, -0.1, 0.1) }, // exp_avg
      { shape, data: uniform(21, 0, 0.01) }, // exp_avg_sq
    ];
    if (v.amsgrad) list.push({ shape, data: uniform(21, 0, 0.01) }); // max_exp_avg_sq
    return list;
  },
  run: (xs) => runFused(adamUpdateOp, xs, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, ...v }),
}));

const SGD_VARIANTS = [
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
    name: 'L2 decay, maximize',
    momentum: 0,
    dampening: 0,
    weightDecay: 0.1,
    nesterov: false,
    maximize: true,
    firstStep: false,
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
    name: 'momentum and dampening',
    momentum: 0.9,
    dampening: 0.1,
    weightDecay: 0.01,
    nesterov: false,
    maximize: false,
    firstStep: false,
  },
  {
    name: 'Nesterov',
    momentum: 0.8,
    dampening: 0,
    weightDecay: 0,
    nesterov: true,
    maximize: false,
    firstStep: false,
  },
];

const sgdCases: FusedConformanceCase[] = SGD_VARIANTS.map(({ name, ...v }) => ({
  op: 'sgdUpdate',
  name: `sgdUpdate: ${name}`,
  differentiable: false,
  inputs: (uniform) => {
    const shape = [4, 5];
    const list = [
      { shape, data: uniform(20, -2, 2) },
      { shape, data: uniform(20, -1, 1) },
    ];
    if (v.momentum !== 0) list.push({ shape, data: uniform(20, -0.5, 0.5) }); // momentum_buffer
    return list;
  },
  run: (xs) => runFused(sgdUpdateOp, xs, { lr: 0.1, ...v }),
}));

describeConformance({
  backend: 'webgpu',
  float64: false,
  tolerance: { randomNormal: { rtol: 1e-6, atol: 1e-6 } },
  fusedCases: [...adamCases, ...sgdCases],
});
