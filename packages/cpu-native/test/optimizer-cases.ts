/**
 * Conformance cases for the CPU kernels of `@rnn/nn`'s optimizer updates, against `@rnn/nn`'s own
 * composites (`@rnn/tensor`'s tests restate those composites, as it cannot import `@rnn/nn`).
 */
import { adamUpdateOp, sgdUpdateOp } from '@rnn/nn';
import { runFused } from '@rnn/tensor';
import type { FusedConformanceCase } from '@rnn/tensor/testing';

const ADAM = [
  { name: 'Adam', decoupled: false, weightDecay: 0, amsgrad: false, maximize: false, step: 1 },
  { name: 'Adam, L2, step 7', decoupled: false, weightDecay: 0.1, amsgrad: false, maximize: false, step: 7 },
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

const SGD = [
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

export const optimizerCases: FusedConformanceCase[] = [
  ...ADAM.map(
    ({ name, ...v }): FusedConformanceCase => ({
      op: 'adamUpdate',
      name: `adamUpdate (nn): ${name}`,
      differentiable: false,
      inputs: (uniform) => [
        { shape: [3, 7], data: uniform(21, -2, 2) },
        { shape: [3, 7], data: uniform(21, -1, 1) },
        { shape: [3, 7], data: uniform(21, -0.1, 0.1) },
        { shape: [3, 7], data: uniform(21, 0, 0.01) },
        ...(v.amsgrad ? [{ shape: [3, 7], data: uniform(21, 0, 0.01) }] : []),
      ],
      run: (xs) => runFused(adamUpdateOp, xs, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, ...v }),
    }),
  ),
  ...SGD.map(
    ({ name, ...v }): FusedConformanceCase => ({
      op: 'sgdUpdate',
      name: `sgdUpdate (nn): ${name}`,
      differentiable: false,
      inputs: (uniform) => [
        { shape: [3, 7], data: uniform(21, -2, 2) },
        { shape: [3, 7], data: uniform(21, -1, 1) },
        ...(v.momentum !== 0 ? [{ shape: [3, 7], data: uniform(21, -0.5, 0.5) }] : []),
      ],
      run: (xs) => runFused(sgdUpdateOp, xs, { lr: 0.1, ...v }),
    }),
  ),
];
