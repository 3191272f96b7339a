import type { TypedArray } from '../../dtype';
import { type Shape, splitAround } from '../../shape';

/** Softmax or log-softmax along `axis`, subtracting the max for stability. */
export function softmax(x: TypedArray, shape: Shape, axis: number, log: boolean): TypedArray {
  const [outer, n, inner] = splitAround(shape, axis, axis);
  const out = new (x.constructor as new (n: number) => TypedArray)(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const v = x[base + k * inner];
        if (v > m || v !== v) m = v;
      }
      if (m === Number.NEGATIVE_INFINITY) m = 0;
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x[base + k * inner] - m);
      if (log) {
        const lse = m + Math.log(s);
        for (let k = 0; k < n; k++) out[base + k * inner] = x[base + k * inner] - lse;
      } else {
        const inv = 1 / s;
        for (let k = 0; k < n; k++) out[base + k * inner] = Math.exp(x[base + k * inner] - m) * inv;
      }
    }
  }
  return out;
}
