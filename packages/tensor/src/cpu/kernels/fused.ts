import type { FusedKernel, TensorSpec } from '../../backend/backend';
import type { TypedArray } from '../../dtype';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { allocArray, allocUninit } from '../pool';
import { sigmoid } from './elementwise';

const data = (t: TensorSpec) => t.storage as TypedArray;

/** One pass per row: log-sum-exp, then the loss; backward is (softmax - onehot) · g. */
export const softmaxCrossEntropy: FusedKernel = {
  forward([logits, target]) {
    const [n, c] = logits.shape;
    const x = data(logits);
    const t = data(target);
    const out = allocArray(logits.dtype, n);
    const acc = logits.dtype === 'float32' ? getCpuAccelerator() : null;
    if (acc?.softmaxXent) {
      acc.softmaxXent(n, c, x as Float32Array, t as Int32Array, out as Float32Array);
      return [out];
    }
    for (let r = 0; r < n; r++) out[r] = rowLogSumExp(x, r * c, c) - x[r * c + t[r]];
    return [out];
  },
  backward([logits, target], _outs, [g]) {
    const [n, c] = logits.shape;
    const x = data(logits);
    const t = data(target);
    const gy = data(g!);
    const dx = allocArray(logits.dtype, n * c);
    const acc = logits.dtype === 'float32' ? getCpuAccelerator() : null;
    if (acc?.softmaxXentBackward) {
      acc.softmaxXentBackward(
        n,
        c,
        x as Float32Array,
        t as Int32Array,
        gy as Float32Array,
        dx as Float32Array,
      );
      return [dx, null];
    }
    for (let r = 0; r < n; r++) {
      const base = r * c;
      const lse = rowLogSumExp(x, base, c);
      const gr = gy[r];
      for (let j = 0; j < c; j++) dx[base + j] = Math.exp(x[base + j] - lse) * gr;
      dx[base + t[r]] -= gr;
    }
    return [dx, null];
  },
};

function rowLogSumExp(x: TypedArray, base: number, c: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < c; j++) if (x[base + j] > m) m = x[base + j];
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(x[base + j] - m);
  return m + Math.log(s);
}

/** LSTM gate math in one pass over `[B, 4H]` gates (order i, f, g, o). */
export const lstmCell: FusedKernel = {
  forward([gates, cPrev]) {
    const [b, h] = cPrev.shape;
    const z = data(gates);
    const c0 = data(cPrev);
    const hOut = allocArray(cPrev.dtype, b * h);
    const cOut = allocArray(cPrev.dtype, b * h);
    for (let r = 0; r < b; r++) {
      const zb = r * 4 * h;
      for (let j = 0; j < h; j++) {
        const i = sigmoid(z[zb + j]);
        const f = sigmoid(z[zb + h + j]);
        const g = Math.tanh(z[zb + 2 * h + j]);
        const o = sigmoid(z[zb + 3 * h + j]);
        const c = f * c0[r * h + j] + i * g;
        cOut[r * h + j] = c;
        hOut[r * h + j] = o * Math.tanh(c);
      }
    }
    return [hOut, cOut];
  },
  backward([gates, cPrev], [, cNext], [gH, gC]) {
    const [b, h] = cPrev.shape;
    const z = data(gates);
    const c0 = data(cPrev);
    const c1 = data(cNext);
    const dh = gH ? data(gH) : null;
    const dcIn = gC ? data(gC) : null;
    const dz = allocArray(gates.dtype, b * 4 * h);
    const dc0 = allocArray(cPrev.dtype, b * h);
    for (let r = 0; r < b; r++) {
      const zb = r * 4 * h;
      for (let j = 0; j < h; j++) {
        const k = r * h + j;
        const i = sigmoid(z[zb + j]);
        const f = sigmoid(z[zb + h + j]);
        const g = Math.tanh(z[zb + 2 * h + j]);
        const o = sigmoid(z[zb + 3 * h + j]);
        const tc = Math.tanh(c1[k]);
        const gh = dh ? dh[k] : 0;
        const dc = (dcIn ? dcIn[k] : 0) + gh * o * (1 - tc * tc);
        dz[zb + j] = dc * g * i * (1 - i);
        dz[zb + h + j] = dc * c0[k] * f * (1 - f);
        dz[zb + 2 * h + j] = dc * i * (1 - g * g);
        dz[zb + 3 * h + j] = gh * tc * o * (1 - o);
        dc0[k] = dc * f;
      }
    }
    return [dz, dc0];
  },
};

/**
 * `tanhGrad` / `sigmoidGrad`: an activation's gradient from its output `y` and the incoming gradient
 * `g`, in one pass (native for large float32 arrays).
 */
function activationGrad(kind: 'tanh' | 'sigmoid'): FusedKernel {
  return {
    forward([yt, gt]) {
      const y = data(yt);
      const g = data(gt);
      const n = y.length;
      const out = allocUninit(yt.dtype, n);
      const acc = yt.dtype === 'float32' && n >= NATIVE_MIN_ELEMENTS ? getCpuAccelerator() : null;
      if (acc?.unaryGrad) {
        acc.unaryGrad(kind === 'tanh' ? 0 : 1, n, y as Float32Array, g as Float32Array, out as Float32Array);
      } else if (kind === 'tanh') {
        for (let i = 0; i < n; i++) out[i] = g[i] * (1 - y[i] * y[i]);
      } else {
        for (let i = 0; i < n; i++) out[i] = g[i] * (y[i] * (1 - y[i]));
      }
      return [out];
    },
  };
}

export const tanhGrad = activationGrad('tanh');
export const sigmoidGrad = activationGrad('sigmoid');
