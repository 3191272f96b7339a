/** Shape and stride arithmetic done on the host before a dispatch (the kernels see the result). */

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Strides that read `inShape` as the broadcast `outShape` (stride 0 along broadcast dimensions). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const strides = contiguousStrides(inShape);
  const out = new Array<number>(outShape.length).fill(0);
  const offset = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) out[offset + i] = inShape[i] === 1 ? 0 : strides[i];
  return out;
}

/**
 * Simplifies an index space walked by several operands: drops dimensions of size 1 and merges
 * neighbours that every operand walks as one (stride[d] == stride[d+1] * shape[d+1]). Elementwise ops
 * on same-shape tensors become rank 1; most broadcasts become rank 2. Always returns rank >= 1.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => {
        outStrides[k].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/** Sizes (outer, axis, inner) of `shape` split around the run of axes `[a0, a1]`. */
export function splitAround(shape: readonly number[], a0: number, a1: number): [number, number, number] {
  let outer = 1;
  let mid = 1;
  let inner = 1;
  shape.forEach((d, i) => {
    if (i < a0) outer *= d;
    else if (i <= a1) mid *= d;
    else inner *= d;
  });
  return [outer, mid, inner];
}
