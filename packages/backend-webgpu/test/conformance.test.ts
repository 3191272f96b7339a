/**
 * The shared backend conformance suite of `@rnn/tensor`, on WebGPU. Stated tolerances: float32 results
 * use the suite's defaults (rtol 1.3e-6, atol 1e-5, as `torch.testing`); normal random numbers may
 * differ from the CPU backend's (computed in float64) by float32 rounding, rtol 1e-6 / atol 1e-6
 * (uniform numbers are compared bit for bit).
 *
 * `adamUpdate` is a fused op of `@rnn/nn` (its optimizers), so its cases come from here: every
 * variant of the attributes (Adam, AdamW, L2 decay, AMSGrad, maximize, a late step), kernel against
 * the composite.
 */
import { adamUpdateOp } from '@rnn/nn';
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

describeConformance({
  backend: 'webgpu',
  float64: false,
  tolerance: { randomNormal: { rtol: 1e-6, atol: 1e-6 } },
  fusedCases: adamCases,
});
