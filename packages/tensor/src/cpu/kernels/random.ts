import type { RandomKind } from '../../backend/backend';
import type { DType, TypedArray } from '../../dtype';
import { philox4x32, wordToUniform } from '../../random/philox';
import { type Shape, sizeOf } from '../../shape';
import { getCpuAccelerator } from '../accelerator';
import { allocArray } from '../pool';

const TWO_PI = 2 * Math.PI;

/** Fills per the contract: element i = lane i % 4 of Philox block `counter + floor(i / 4)`. */
export function random(
  kind: RandomKind,
  shape: Shape,
  dtype: DType,
  key: readonly [number, number],
  counter: number,
): TypedArray {
  const n = sizeOf(shape);
  const out = allocArray(dtype, n);
  const acc = kind === 'uniform' && dtype === 'float32' && n >= 64 ? getCpuAccelerator() : null;
  if (acc?.philoxUniform) {
    acc.philoxUniform(n, counter, key[0] >>> 0, key[1] >>> 0, out as Float32Array);
    return out;
  }
  const words = new Uint32Array(4);
  const lanes = new Float64Array(4);
  for (let block = 0; block * 4 < n; block++) {
    philox4x32(counter + block, key[0], key[1], words);
    if (kind === 'uniform') {
      for (let j = 0; j < 4; j++) lanes[j] = wordToUniform(words[j]);
    } else {
      boxMuller(words[0], words[1], lanes, 0);
      boxMuller(words[2], words[3], lanes, 2);
    }
    const base = block * 4;
    const m = Math.min(4, n - base);
    for (let j = 0; j < m; j++) out[base + j] = lanes[j];
  }
  return out;
}

function boxMuller(w0: number, w1: number, out: Float64Array, at: number): void {
  const u1 = wordToUniform(w0) + 2 ** -24; // (0, 1]: log never sees 0
  const u2 = wordToUniform(w1);
  const r = Math.sqrt(-2 * Math.log(u1));
  out[at] = r * Math.cos(TWO_PI * u2);
  out[at + 1] = r * Math.sin(TWO_PI * u2);
}
