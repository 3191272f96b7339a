import type { AdamUpdateAttrs, FusedKernel, SgdUpdateAttrs } from '@rnn/tensor/backend';
import type { BindingKind, GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf } from '../device/storage';
import { output } from './common';
import { sizeOf } from './layout-math';
import { declare, grid, MATH, main1d, wgslType } from './wgsl';

/**
 * The gradient after `maximize` and L2 decay, and the parameter after decoupled decay, exactly in the
 * composite's float32 operations (each scalar is the float32 the composite's `full([], x)` makes).
 */
const PROLOGUE = `  let pv = ps[i];
  var gv = gs[i];
  if ((p(1u) & 1u) != 0u) { gv = -gv; }
  var param = pv;
  if ((p(1u) & 2u) != 0u) { param = pv * pf(2u); }
  if ((p(1u) & 4u) != 0u) { gv = gv + pv * pf(3u); }`;
const FIRST_MOMENT = '  let m1 = ms[i] * pf(4u) + gv * pf(5u);';
const SECOND_MOMENT = '  let v1 = vs[i] * pf(6u) + gv * pf(7u) * gv;';
/** `param + (m1 / (√v / √(1 − β₂ᵗ) + eps)) · (−lr / (1 − β₁ᵗ))`. */
const STEP = (v: string) => `  let denom = sqrt(${v}) / pf(8u) + pf(9u);
  po[i] = param + m1 / denom * pf(10u);
  mo[i] = m1;`;

function kernel(bindings: [string, BindingKind][], body: string) {
  return () => ({
    code: `${MATH}\n${declare(bindings.map(([name, kind]) => [name, kind, 'f32'] as const))}${main1d(body)}`,
    bindings: bindings.map(([, k]) => k),
  });
}

/**
 * The whole Adam / AdamW step of one parameter in one dispatch (two with AMSGrad, which has one
 * state tensor more than the 8 storage buffers a WebGPU shader stage is guaranteed: the first pass
 * writes `v` and `max(v_max, v)`, the second the parameter and `m`).
 */
export function adamUpdate(ctx: GPUContext): FusedKernel<AdamUpdateAttrs> {
  return {
    forward(inputs, attrs) {
      const a = attrs;
      const [p, g, m, v, vmax] = inputs;
      wgslType(p.dtype);
      const n = sizeOf(p.shape);
      const [beta1, beta2] = a.betas;
      const flags =
        (a.maximize ? 1 : 0) | (a.decoupled ? 2 : 0) | (!a.decoupled && a.weightDecay !== 0 ? 4 : 0);
      const params = new Params('adamUpdate')
        .u(n, flags)
        .f(
          1 - a.lr * a.weightDecay,
          a.weightDecay,
          beta1,
          1 - beta1,
          beta2,
          1 - beta2,
          Math.sqrt(1 - beta2 ** a.step),
          a.eps,
          -(a.lr / (1 - beta1 ** a.step)),
        ).words;
      const pOut = output(ctx, n);
      const mOut = output(ctx, n);
      const vOut = output(ctx, n);
      if (!a.amsgrad) {
        ctx.dispatch(
          'adamUpdate',
          kernel(
            [
              ['ps', 'read'],
              ['gs', 'read'],
              ['ms', 'read'],
              ['vs', 'read'],
              ['po', 'write'],
              ['mo', 'write'],
              ['vo', 'write'],
            ],
            `${PROLOGUE}\n${FIRST_MOMENT}\n${SECOND_MOMENT}\n${STEP('v1')}\n  vo[i] = v1;`,
          ),
          [p, g, m, v].map(bufferOf).concat([pOut.buffer, mOut.buffer, vOut.buffer]),
          params,
          grid(n),
        );
        return [pOut, mOut, vOut];
      }
      const vmaxOut = output(ctx, n);
      ctx.dispatch(
        'adamUpdate:amsgrad-moments',
        kernel(
          [
            ['ps', 'read'],
            ['gs', 'read'],
            ['vs', 'read'],
            ['vmax', 'read'],
            ['vo', 'write'],
            ['vmaxo', 'write'],
          ],
          `${PROLOGUE}\n${SECOND_MOMENT}
  vo[i] = v1;
  let old = vmax[i];
  vmaxo[i] = select(select(v1, old, old > v1), nan_(), isnan_(old) || isnan_(v1));`,
        ),
        [p, g, v, vmax].map(bufferOf).concat([vOut.buffer, vmaxOut.buffer]),
        params,
        grid(n),
      );
      ctx.dispatch(
        'adamUpdate:amsgrad-step',
        kernel(
          [
            ['ps', 'read'],
            ['gs', 'read'],
            ['ms', 'read'],
            ['vmax', 'read'],
            ['po', 'write'],
            ['mo', 'write'],
          ],
          `${PROLOGUE}\n${FIRST_MOMENT}\n${STEP('vmax[i]')}`,
        ),
        [p, g, m].map(bufferOf).concat([vmaxOut.buffer, pOut.buffer, mOut.buffer]),
        params,
        grid(n),
      );
      return [pOut, mOut, vOut, vmaxOut];
    },
  };
}

/**
 * The whole SGD step of one parameter in one dispatch: maximize, L2 decay, momentum (the buffer is
 * the gradient itself on the first step, as in PyTorch), Nesterov. Inputs `[param, grad, buf?]`,
 * outputs `[param', buf'?]`, in the composite's float32 operations.
 */
export function sgdUpdate(ctx: GPUContext): FusedKernel<SgdUpdateAttrs> {
  return {
    forward(inputs, attrs) {
      const a = attrs;
      const [p, g, buf] = inputs;
      wgslType(p.dtype);
      const n = sizeOf(p.shape);
      const momentum = a.momentum !== 0;
      const flags =
        (a.maximize ? 1 : 0) |
        (a.weightDecay !== 0 ? 2 : 0) |
        (momentum && a.firstStep ? 4 : 0) |
        (a.nesterov ? 8 : 0);
      const params = new Params('sgdUpdate')
        .u(n, flags)
        .f(a.weightDecay, a.momentum, 1 - a.dampening, -a.lr).words;
      const pOut = output(ctx, n);
      const bOut = momentum ? output(ctx, n) : null;
      const bindings: [string, BindingKind][] = [
        ['ps', 'read'],
        ['gs', 'read'],
      ];
      if (momentum) bindings.push(['bs', 'read']);
      bindings.push(['po', 'write']);
      if (momentum) bindings.push(['bo', 'write']);
      const body = `  let pv = ps[i];
  var d = gs[i];
  if ((p(1u) & 1u) != 0u) { d = -d; }
  if ((p(1u) & 2u) != 0u) { d = d + pv * pf(2u); }${
    momentum
      ? `
  var b = d;
  if ((p(1u) & 4u) == 0u) { b = bs[i] * pf(3u) + d * pf(4u); }
  bo[i] = b;
  if ((p(1u) & 8u) != 0u) { d = d + b * pf(3u); } else { d = b; }`
      : ''
  }
  po[i] = pv + d * pf(5u);`;
      const buffers = [bufferOf(p), bufferOf(g)];
      if (momentum) buffers.push(bufferOf(buf));
      buffers.push(pOut.buffer);
      if (bOut) buffers.push(bOut.buffer);
      ctx.dispatch(
        `sgdUpdate:${momentum ? 'momentum' : 'plain'}`,
        kernel(bindings, body),
        buffers,
        params,
        grid(n),
      );
      return bOut ? [pOut, bOut] : [pOut];
    },
  };
}
