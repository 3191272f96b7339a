import type { Tensor, TypedArray } from '@rnn/tensor';

/** The tensor's values when its backend reads synchronously (the CPU), else `null` (no check then). */
export function readIfHost(t: Tensor): TypedArray | null {
  return t.backend.readSync ? t.dataSync() : null;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const shapeOf = (t: Tensor) => `[${t.shape.join(', ')}]`;
