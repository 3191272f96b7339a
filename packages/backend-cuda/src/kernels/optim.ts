import type { AdamUpdateAttrs, FusedKernel, SgdUpdateAttrs, Storage } from '@rnn/tensor/backend';
import { sizeOf } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { ptrOf } from '../device/storage';
import { alloc } from './elementwise';
import { FLOAT_DTYPES, perDtype, pick } from './spec';

const ADAM = perDtype('optim', 'adam', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
]);
const SGD = perDtype('optim', 'sgd', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'f64',
  'f64',
  'f64',
  'f64',
  'f64',
  'i32',
  'i32',
]);

/** `adamUpdate`: `[param, grad, expAvg, expAvgSq, maxExpAvgSq?]` → new values of each, in one kernel. */
export function adamUpdate(ctx: CudaContext): FusedKernel<AdamUpdateAttrs> {
  return {
    forward(inputs, a) {
      const [p, g, m, v, vmax] = inputs;
      const n = sizeOf(p.shape);
      const p1 = alloc(ctx, p.dtype, n, 'adamUpdate');
      const m1 = alloc(ctx, p.dtype, n, 'adamUpdate');
      const v1 = alloc(ctx, p.dtype, n, 'adamUpdate');
      const vmax1 = a.amsgrad ? alloc(ctx, p.dtype, n, 'adamUpdate') : null;
      const [beta1, beta2] = a.betas;
      // the step's scalars exactly as the CPU kernel computes them
      const stepSize = a.lr / (1 - beta1 ** a.step);
      const bias2Sqrt = Math.sqrt(1 - beta2 ** a.step);
      const decay = a.decoupled ? 1 - a.lr * a.weightDecay : 1;
      const l2 = a.decoupled ? 0 : a.weightDecay;
      ctx.run(pick(ADAM, p.dtype, 'adamUpdate'), n, [
        p1.ptr,
        m1.ptr,
        v1.ptr,
        vmax1 ? vmax1.ptr : 0,
        ptrOf(p),
        ptrOf(g),
        ptrOf(m),
        ptrOf(v),
        a.amsgrad ? ptrOf(vmax) : 0,
        n,
        beta1,
        beta2,
        1 - beta1,
        1 - beta2,
        stepSize,
        bias2Sqrt,
        a.eps,
        decay,
        l2,
        a.maximize ? -1 : 1,
      ]);
      const out: Storage[] = [p1, m1, v1];
      if (vmax1) out.push(vmax1);
      return out;
    },
  };
}

/** `sgdUpdate`: `[param, grad, momentumBuffer?]` → `[param', momentumBuffer'?]`. */
export function sgdUpdate(ctx: CudaContext): FusedKernel<SgdUpdateAttrs> {
  return {
    forward(inputs, a) {
      const p = inputs[0];
      const n = sizeOf(p.shape);
      const p1 = alloc(ctx, p.dtype, n, 'sgdUpdate');
      const b1 = a.momentum === 0 ? null : alloc(ctx, p.dtype, n, 'sgdUpdate');
      const buf = a.momentum === 0 || a.firstStep ? 0 : ptrOf(inputs[2]);
      ctx.run(pick(SGD, p.dtype, 'sgdUpdate'), n, [
        p1.ptr,
        b1 ? b1.ptr : 0,
        ptrOf(p),
        ptrOf(inputs[1]),
        buf,
        n,
        a.lr,
        a.momentum,
        1 - a.dampening,
        a.weightDecay,
        a.maximize ? -1 : 1,
        a.firstStep ? 1 : 0,
        a.nesterov ? 1 : 0,
      ]);
      return b1 ? [p1, b1] : [p1];
    },
  };
}
