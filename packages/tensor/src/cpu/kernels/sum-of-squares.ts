import type { FusedKernel } from '../../backend/backend';
import type { NoAttrs } from '../../backend/fused/attrs';
import type { TypedArray } from '../../dtype';
import { allocUninit } from '../pool';

/**
 * `Σ x²` over every element of every input, in one pass per input without a temporary, accumulated in
 * double (four running sums, so the loop pipelines). The composite gives the gradient.
 */
export const sumOfSquares: FusedKernel<NoAttrs> = {
  forward(inputs) {
    let total = 0;
    for (const t of inputs) {
      const x = t.storage as TypedArray;
      let n = 1;
      for (const d of t.shape) n *= d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        s0 += x[i] * x[i];
        s1 += x[i + 1] * x[i + 1];
        s2 += x[i + 2] * x[i + 2];
        s3 += x[i + 3] * x[i + 3];
      }
      for (; i < n; i++) s0 += x[i] * x[i];
      total += s0 + s1 + s2 + s3;
    }
    const out = allocUninit(inputs.some((t) => t.dtype === 'float64') ? 'float64' : 'float32', 1);
    out[0] = total;
    return [out];
  },
};
