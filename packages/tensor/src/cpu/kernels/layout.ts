import type { TypedArray } from '../../dtype';
import { contiguousStrides, type Shape, sizeOf, splitAround } from '../../shape';
import { getCpuAccelerator, NATIVE_MIN_ELEMENTS } from '../accelerator';
import { allocUninitLike } from '../pool';
import { forEachRow } from './iterate';

/** Tile edge of the blocked transpose: a 32 x 32 tile of float64 (8 KiB) stays in L1 while it is copied. */
const TILE = 32;

/** The native `strided` call's `[rank, offset, ...shape, ...strides]`, reused (rank ≤ 8). */
const STRIDED_DESC = new Float64Array(18);

/** `out[idx] = x[offset + sum(idx_d * strides_d)]`: permute, expand, slice and flip in one kernel. */
export function strided(
  x: TypedArray,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): TypedArray {
  const out = allocUninitLike(x, sizeOf(outShape));
  const rank = outShape.length;
  const rowStride = strides[rank - 1] ?? 0;
  if (rank >= 2 && strides[rank - 2] === 1 && rowStride !== 1 && rowStride !== 0) {
    // A transpose of the last two axes (t(), permute): reading along output columns is contiguous in
    // the source, so copy in square tiles instead of striding through memory a whole row at a time.
    const rows = outShape[rank - 2];
    const cols = outShape[rank - 1];
    const outer = outShape.slice(0, rank - 2);
    const native = rows * cols >= NATIVE_MIN_ELEMENTS ? getCpuAccelerator() : null;
    forEachRow(
      [...outer, 1],
      [
        [...strides.slice(0, rank - 2), 0],
        [...contiguousStrides([...outer, rows * cols]).slice(0, rank - 2), 0],
      ],
      [offset, 0],
      (off) => {
        if (!(x instanceof Float32Array)) transposeTiles(x, off[0], rowStride, out, off[1], rows, cols);
        else if (native?.transpose)
          native.transpose(rows, cols, x, off[0], rowStride, out as Float32Array, off[1]);
        else transposeTilesF32(x, off[0], rowStride, out as Float32Array, off[1], rows, cols);
      },
    );
    return out;
  }
  const native = out.length >= NATIVE_MIN_ELEMENTS && rank <= 8 ? getCpuAccelerator() : null;
  if (native?.strided && x instanceof Float32Array) {
    STRIDED_DESC[0] = rank;
    STRIDED_DESC[1] = offset;
    for (let d = 0; d < rank; d++) {
      STRIDED_DESC[2 + d] = outShape[d];
      STRIDED_DESC[2 + rank + d] = strides[d];
    }
    native.strided(STRIDED_DESC, x, out as Float32Array);
    return out;
  }
  const outStrides = contiguousStrides(outShape);
  forEachRow(outShape, [strides, outStrides], [offset, 0], (off, n) => {
    const src = off[0];
    const dst = off[1];
    if (rowStride === 1) out.set(x.subarray(src, src + n), dst);
    else for (let i = 0; i < n; i++) out[dst + i] = x[src + i * rowStride];
  });
  return out;
}

/** {@link transposeTiles} typed for float32, so its element accesses stay monomorphic (several times faster). */
function transposeTilesF32(
  x: Float32Array,
  src: number,
  colStride: number,
  out: Float32Array,
  dst: number,
  rows: number,
  cols: number,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let j = j0; j < j1; j++) {
        const s = src + j * colStride;
        const d = dst + j;
        for (let i = i0; i < i1; i++) out[d + i * cols] = x[s + i];
      }
    }
  }
}

/** `out[dst + i*cols + j] = x[src + i + j*colStride]` for a `rows x cols` output, tile by tile. */
function transposeTiles(
  x: TypedArray,
  src: number,
  colStride: number,
  out: TypedArray,
  dst: number,
  rows: number,
  cols: number,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let j = j0; j < j1; j++) {
        const s = src + j * colStride;
        const d = dst + j;
        for (let i = i0; i < i1; i++) out[d + i * cols] = x[s + i];
      }
    }
  }
}

/** Row lengths handed to the native concat (reused: no allocation per call). */
const nativeBlocks = new Float64Array(64);

export function concat(xs: readonly TypedArray[], shapes: readonly Shape[], axis: number): TypedArray {
  const total = xs.reduce((n, x) => n + x.length, 0);
  const out = allocUninitLike(xs[0], total);
  const [outer] = splitAround(shapes[0], axis, axis);
  const blocks = shapes.map((s) => sizeOf(s.slice(axis)));
  // float32 on the native kernel: no `subarray` view per row and part (SPINN's `cat([h, c], 1)` made
  // ~2.5 MB of them per step, a sixth of its JavaScript garbage)
  const native =
    total >= NATIVE_MIN_ELEMENTS && xs.length <= nativeBlocks.length && out instanceof Float32Array
      ? getCpuAccelerator()
      : null;
  if (native?.concat && xs.every((x) => x instanceof Float32Array)) {
    for (let k = 0; k < blocks.length; k++) nativeBlocks[k] = blocks[k];
    native.concat(outer, xs as readonly Float32Array[], nativeBlocks, out as Float32Array);
    return out;
  }
  let pos = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < xs.length; k++) {
      const len = blocks[k];
      out.set(xs[k].subarray(o * len, (o + 1) * len), pos);
      pos += len;
    }
  }
  return out;
}
