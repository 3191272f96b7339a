import { readFileSync } from 'node:fs';
import { type Tensor, tensor } from '@rnn/tensor';
import { loadSafetensors } from '../../src/index';

import type { JsonTensor } from './fixture-schema';

export type { JsonTensor };

const dir = new URL('../../fixtures/', import.meta.url);

/** Parses a JSON fixture next to `generate_rnn.py`. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;
}

/** Reads a safetensors file of the fixtures directory (through @rnn/nn's own reader). */
export function readWeights(name: string): Record<string, Tensor> {
  return loadSafetensors(new Uint8Array(readFileSync(new URL(name, dir))));
}

/** The entries of `all` under `prefix.`, with the prefix removed. */
export function withPrefix(all: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(all))
    if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** A float64 tensor from its JSON form. */
export function fromJson(j: JsonTensor, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(j.data), { shape: j.shape, dtype: 'float64', requiresGrad });
}

/** Tracks the largest relative error `|a − b| / max(|b|, 1)` seen, for reporting. */
export class ErrorMeter {
  worst = 0;
  where = '';

  /** Compares `actual` with the expected JSON tensor (shape and values); returns the error. */
  check(what: string, actual: Tensor, expected: JsonTensor): number {
    if (actual.shape.join(',') !== expected.shape.join(',')) {
      throw new Error(`${what}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
    }
    const a = actual.dataSync();
    let e = 0;
    for (let i = 0; i < a.length; i++) {
      e = Math.max(e, Math.abs(a[i] - expected.data[i]) / Math.max(Math.abs(expected.data[i]), 1));
    }
    if (e > this.worst) {
      this.worst = e;
      this.where = what;
    }
    return e;
  }
}
