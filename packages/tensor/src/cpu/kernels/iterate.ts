import { broadcastStrides, type Shape } from '../../shape';

/**
 * Visits an n-d index space row by row: `body(offsets, n)` is called once per innermost row with the
 * starting offset of each operand and the row length; the row stride of operand `k` is `strides[k][last]`.
 * Shared by every broadcasting or strided kernel so none of them allocates per element.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  baseOffsets: readonly number[],
  body: (offsets: number[], n: number) => void,
): void {
  const rank = shape.length;
  const offsets = [...baseOffsets];
  if (rank === 0) {
    body(offsets, 1);
    return;
  }
  for (const d of shape) if (d === 0) return;
  const inner = shape[rank - 1];
  const counter = new Array<number>(rank - 1).fill(0);
  const k = strides.length;
  for (;;) {
    body(offsets, inner);
    // advance the odometer over the outer dimensions
    let d = rank - 2;
    for (; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) offsets[j] += strides[j][d];
      if (counter[d] < shape[d]) break;
      for (let j = 0; j < k; j++) offsets[j] -= strides[j][d] * shape[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Strides of each input broadcast to `outShape`, plus the output's own contiguous strides last. */
export function broadcastOperandStrides(inputs: readonly Shape[], outShape: Shape): number[][] {
  const all = inputs.map((s) => broadcastStrides(s, outShape));
  all.push(broadcastStrides(outShape, outShape));
  return all;
}
