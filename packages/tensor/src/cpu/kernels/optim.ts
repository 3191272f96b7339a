import type { FusedKernel, TensorSpec } from '../../backend/backend';
import type { AdamUpdateAttrs, SgdUpdateAttrs } from '../../backend/fused/optim';
import type { TypedArray } from '../../dtype';
import { getCpuAccelerator } from '../accelerator';
import { allocUninit } from '../pool';

// Kernels for the optimizer updates (fused ops of `ops/optim.ts`, called by `@rnn/nn`'s optimizers): one
// pass over each parameter instead of a dozen elementwise dispatches, each allocating a full-size
// temporary. They follow the composites' formulas term by term; optimizer steps run without
// autograd, so there is no backward.

const data = (t: TensorSpec) => t.storage as TypedArray;

/** `adamUpdate`: inputs `[param, grad, expAvg, expAvgSq, maxExpAvgSq?]` → `[param', expAvg', expAvgSq', maxExpAvgSq'?]`. */
export const adamUpdate: FusedKernel<AdamUpdateAttrs> = {
  forward(inputs, attrs) {
    const a = attrs;
    const [pS, gS, mS, vS, vmaxS] = inputs;
    const p = data(pS);
    const g = data(gS);
    const m = data(mS);
    const v = data(vS);
    const vmax = a.amsgrad ? data(vmaxS) : null;
    const n = p.length;
    const dtype = pS.dtype;
    const p1 = allocUninit(dtype, n);
    const m1 = allocUninit(dtype, n);
    const v1 = allocUninit(dtype, n);
    const vmax1 = vmax ? allocUninit(dtype, n) : null;
    const [beta1, beta2] = a.betas;
    const stepSize = a.lr / (1 - beta1 ** a.step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** a.step);
    const decay = a.decoupled ? 1 - a.lr * a.weightDecay : 1;
    const l2 = a.decoupled ? 0 : a.weightDecay;
    const sign = a.maximize ? -1 : 1;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const eps = a.eps;
    const native = p instanceof Float32Array ? getCpuAccelerator() : null;
    if (!vmax && l2 === 0 && sign === 1 && decay === 1 && native?.adam) {
      native.adam(
        n,
        p as Float32Array,
        g as Float32Array,
        m as Float32Array,
        v as Float32Array,
        p1 as Float32Array,
        m1 as Float32Array,
        v1 as Float32Array,
        beta1,
        beta2,
        stepSize,
        bias2Sqrt,
        eps,
      );
    } else if (!vmax && l2 === 0 && sign === 1 && decay === 1 && p instanceof Float32Array) {
      // The common case, with monomorphic float32 accesses.
      adamF32(
        p,
        g as Float32Array,
        m as Float32Array,
        v as Float32Array,
        p1 as Float32Array,
        m1 as Float32Array,
        v1 as Float32Array,
        beta1,
        beta2,
        c1,
        c2,
        stepSize,
        bias2Sqrt,
        eps,
      );
    } else {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const gi = sign * g[i] + l2 * pi;
        const mi = m[i] * beta1 + gi * c1;
        const vi = v[i] * beta2 + gi * c2 * gi;
        m1[i] = mi;
        v1[i] = vi;
        let s = vi;
        if (vmax && vmax1) {
          const w = vmax[i];
          s = w !== w || vi !== vi ? Number.NaN : w > vi ? w : vi;
          vmax1[i] = s;
        }
        p1[i] = pi * decay - (mi / (Math.sqrt(s) / bias2Sqrt + eps)) * stepSize;
      }
    }
    return vmax1 ? [p1, m1, v1, vmax1] : [p1, m1, v1];
  },
};

function adamF32(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p1: Float32Array,
  m1: Float32Array,
  v1: Float32Array,
  beta1: number,
  beta2: number,
  c1: number,
  c2: number,
  stepSize: number,
  bias2Sqrt: number,
  eps: number,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = m[i] * beta1 + gi * c1;
    const vi = v[i] * beta2 + gi * c2 * gi;
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p[i] - (mi / (Math.sqrt(vi) / bias2Sqrt + eps)) * stepSize;
  }
}

/** `sgdUpdate`: inputs `[param, grad, momentumBuffer?]` → `[param', momentumBuffer'?]`. */
export const sgdUpdate: FusedKernel<SgdUpdateAttrs> = {
  forward(inputs, attrs) {
    const a = attrs;
    const p = data(inputs[0]);
    const g = data(inputs[1]);
    const dtype = inputs[0].dtype;
    const n = p.length;
    const p1 = allocUninit(dtype, n);
    const sign = a.maximize ? -1 : 1;
    const wd = a.weightDecay;
    const lr = a.lr;
    const native = p instanceof Float32Array ? getCpuAccelerator() : null;
    if (native?.sgd) {
      const buf = (a.momentum === 0 ? p : data(inputs[2])) as Float32Array;
      const b1 = a.momentum === 0 ? null : allocUninit(dtype, n);
      native.sgd(
        n,
        p as Float32Array,
        g as Float32Array,
        buf,
        p1 as Float32Array,
        (b1 ?? p1) as Float32Array,
        lr,
        a.momentum,
        a.dampening,
        wd,
        sign,
        a.firstStep,
        a.nesterov,
      );
      return b1 ? [p1, b1] : [p1];
    }
    if (a.momentum === 0) {
      for (let i = 0; i < n; i++) p1[i] = p[i] - (sign * g[i] + wd * p[i]) * lr;
      return [p1];
    }
    const buf = data(inputs[2]);
    const b1 = allocUninit(dtype, n);
    const mu = a.momentum;
    const damp = 1 - a.dampening;
    const first = a.firstStep;
    const nesterov = a.nesterov;
    for (let i = 0; i < n; i++) {
      const d = sign * g[i] + wd * p[i];
      const b = first ? d : buf[i] * mu + d * damp;
      b1[i] = b;
      p1[i] = p[i] - (nesterov ? d + b * mu : b) * lr;
    }
    return [p1, b1];
  },
};
