import type { FusedKernel, TensorSpec } from '../../backend/backend';
import type { LayerNormAttrs } from '../../backend/fused/layer-norm';
import type { TypedArray } from '../../dtype';
import { sizeOf } from '../../shape';
import { allocUninit, recycle } from '../pool';

type Attrs = LayerNormAttrs;

const data = (t: TensorSpec) => t.storage as TypedArray;

/** Rows (the leading dimensions) and row length (the normalised dimensions) of `x`. */
function rowsOf(x: TensorSpec, a: Attrs): [rows: number, d: number] {
  const d = sizeOf(x.shape.slice(x.shape.length - a.normalizedDims));
  return [d === 0 ? 0 : sizeOf(x.shape) / d, d];
}

/**
 * Layer norm over the trailing `normalizedDims` dimensions (see `ops/layer-norm.ts`): per row two
 * passes (mean, then the biased variance of the centred values, as the composite), then the affine
 * map. Sums run in float64 whatever the dtype. Backward: the usual closed form
 * `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = dy·weight`, plus the terms of the mean and rstd
 * outputs' gradients when they have any.
 */
export const layerNorm: FusedKernel<Attrs> = {
  forward(inputs, attrs) {
    const a = attrs;
    const x = inputs[0];
    const w = a.hasWeight ? data(inputs[1]) : null;
    const b = a.hasBias ? data(inputs[a.hasWeight ? 2 : 1]) : null;
    const [rows, d] = rowsOf(x, a);
    const xs = data(x);
    // every element of the outputs is written below: unzeroed arrays from the pool
    const y = allocUninit(x.dtype, rows * d);
    const mean = allocUninit(x.dtype, rows);
    const rstd = allocUninit(x.dtype, rows);
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += xs[base + j];
      const mu = s / d;
      let v = 0;
      for (let j = 0; j < d; j++) {
        const c = xs[base + j] - mu;
        v += c * c;
      }
      const std = Math.sqrt(v / d + a.eps);
      mean[r] = mu;
      rstd[r] = 1 / std;
      for (let j = 0; j < d; j++) {
        let o = (xs[base + j] - mu) / std;
        if (w) o *= w[j];
        if (b) o += b[j];
        y[base + j] = o;
      }
    }
    return [y, mean, rstd];
  },

  backward(inputs, outputs, grads, attrs) {
    const a = attrs;
    const x = inputs[0];
    const w = a.hasWeight ? data(inputs[1]) : null;
    const [rows, d] = rowsOf(x, a);
    const xs = data(x);
    const mean = data(outputs[1]);
    const rstd = data(outputs[2]);
    const gy = grads[0] ? data(grads[0]) : null;
    const gMean = grads[1] ? data(grads[1]) : null;
    const gRstd = grads[2] ? data(grads[2]) : null;
    // dx is written in full and dw / db from the sums: unzeroed arrays from the pool
    const dx = allocUninit(x.dtype, rows * d);
    const dw = a.hasWeight ? allocUninit(x.dtype, d) : null;
    const db = a.hasBias ? allocUninit(x.dtype, d) : null;
    const accW = dw ? allocUninit('float64', d).fill(0) : null;
    const accB = db ? allocUninit('float64', d).fill(0) : null;
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      const mu = mean[r];
      const rs = rstd[r];
      let sg = 0;
      let sgx = 0;
      if (gy) {
        for (let j = 0; j < d; j++) {
          const xhat = (xs[base + j] - mu) * rs;
          const g = gy[base + j] * (w ? w[j] : 1);
          sg += g;
          sgx += g * xhat;
          if (accW) accW[j] += gy[base + j] * xhat;
          if (accB) accB[j] += gy[base + j];
        }
      }
      const mg = sg / d;
      const mgx = sgx / d;
      const fromMean = gMean ? gMean[r] / d : 0;
      const fromRstd = gRstd ? (-gRstd[r] * rs * rs * rs) / d : 0;
      for (let j = 0; j < d; j++) {
        const c = xs[base + j] - mu;
        let o = fromMean + fromRstd * c;
        if (gy) o += rs * (gy[base + j] * (w ? w[j] : 1) - mg - c * rs * mgx);
        dx[base + j] = o;
      }
    }
    if (dw && accW) dw.set(accW);
    if (db && accB) db.set(accB);
    recycle(accW);
    recycle(accB);
    const out: (TypedArray | null)[] = [dx];
    if (a.hasWeight) out.push(dw);
    if (a.hasBias) out.push(db);
    return out;
  },
};
