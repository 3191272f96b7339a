import { noGradSync } from '../autograd/grad-mode';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import { normalizeAxis } from '../shape';
import { fromArray, fromStorage, record, releaseInternal, sameBackend, type Tensor } from '../tensor';
import { scalarLike } from './creation';
import { recordScatter } from './scatter-grad';

function checkIndex(op: string, index: Tensor, limit: number, dim: number): void {
  if (index.dtype !== 'int32') {
    throw new DTypeError(`${op}: indices must be an int32 tensor, got ${index.dtype}`);
  }
  // Out-of-range indices would read garbage; check them wherever the data can be read synchronously.
  const read = index.backend.readSync;
  if (!read) return;
  const data = read.call(index.backend, index.storage, 'int32', index.size);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= limit) {
      throw new ShapeError(
        `${op}: index ${v} (at flat position ${i}) is out of range for dimension ${dim} of size ${limit}`,
      );
    }
  }
}

/** Picks entries along `dim` by a 1-D int32 `index` (the embedding lookup). */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  sameBackend('indexSelect', [x, index]);
  const d = normalizeAxis('indexSelect', dim, x.ndim);
  if (index.ndim > 1)
    throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  checkIndex('indexSelect', index, x.shape[d], dim);
  const shape = [...x.shape];
  shape[d] = index.size;
  const flatIndex = index.ndim === 0 ? index.reshape([1]) : index;
  const out = fromStorage(x.backend, x.backend.indexSelect(x, d, flatIndex), shape, x.dtype);
  return recordScatter('indexSelect', x, out, { axis: d, index: flatIndex });
}

/** `out[i][j][k] = x[index[i][j][k]][j][k]` for `dim = 0` (and so on), as `torch.gather`. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  sameBackend('gather', [x, index]);
  const d = normalizeAxis('gather', dim, x.ndim);
  if (index.ndim !== x.ndim) {
    throw new ShapeError(
      `gather: index ${fmtShape(index.shape)} must have as many dimensions as the input ${fmtShape(x.shape)}`,
    );
  }
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) {
      throw new ShapeError(
        `gather: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dimension ${i}`,
      );
    }
  });
  checkIndex('gather', index, x.shape[d], dim);
  const out = fromStorage(x.backend, x.backend.gather(x, d, index), index.shape, x.dtype);
  return record('gather', [x], out, ([g]) => [
    fromStorage(x.backend, x.backend.scatterAdd(x.shape, d, index, g!), x.shape, g!.dtype),
  ]);
}

/**
 * `x` with the entries at `index` along `dim` replaced by `source`, as the out-of-place
 * `torch.index_copy`: `out[..., index[i], ...] = source[..., i, ...]`, every other entry from `x`. The
 * way to write rows of a tensor (a stack kept as one tensor, the states of the sequences that moved at
 * this step). `index` is 1-D int32 without repeats; `source` has `x`'s shape with `dim` of
 * `index.size`. Differentiable in `x` (zero where overwritten) and `source`.
 *
 * @example
 * ```ts
 * const stack = zeros([4, 3]);
 * const next = indexCopy(stack, 0, tensor([1, 3], { dtype: 'int32' }), ones([2, 3])); // rows 1 and 3 set
 * ```
 */
export function indexCopy(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const op = 'indexCopy';
  sameBackend(op, [x, index, source]);
  const d = normalizeAxis(op, dim, x.ndim);
  if (index.ndim > 1) throw new ShapeError(`${op}: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const expected = [...x.shape];
  expected[d] = index.size;
  if (source.ndim !== x.ndim || source.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(
      `${op}: source must be ${fmtShape(expected)} (the input ${fmtShape(x.shape)} with dimension ${dim} of the index's length ${index.size}), got ${fmtShape(source.shape)}`,
    );
  }
  if (source.dtype !== x.dtype) {
    throw new DTypeError(`${op}: source is ${source.dtype} but the input is ${x.dtype}`);
  }
  checkIndex(op, index, x.shape[d], dim);
  const indices = checkDistinct(op, index);
  const flatIndex = index.ndim === 0 ? index.reshape([1]) : index;
  const backend = x.backend;
  const maskShape = x.shape.map((s, i) => (i === d ? s : 1));
  // Which positions along `dim` are written, shaped to broadcast against `x`: from the indices on
  // the host when they could be read there (checkDistinct), else counted on the device.
  const written = indices
    ? fromArray(backend, rowMask(indices, x.shape[d]), maskShape, 'bool')
    : noGradSync(() => {
        const ones = fromArray(
          backend,
          new Float32Array(flatIndex.size).fill(1),
          [flatIndex.size],
          'float32',
        );
        const hits = fromStorage(
          backend,
          backend.indexAdd([x.shape[d]], 0, flatIndex, ones),
          [x.shape[d]],
          'float32',
        );
        return hits.gt(0).reshape(maskShape);
      });
  // The source rows in place (zeros elsewhere), then each position from there or from `x`.
  const placed = fromStorage(backend, backend.indexAdd(x.shape, d, flatIndex, source), x.shape, x.dtype);
  const out = fromStorage(backend, backend.where(written, placed, x, x.shape), x.shape, x.dtype);
  placed.dispose();
  // One node for both inputs: x's gradient is g with the written positions zeroed, the source's is
  // g at them (no gradient of the zero-filled `placed` is ever built).
  record(op, [x, source], out, ([g], [nx, ns]) => {
    const zero = scalarLike(0, g!);
    const gx = nx ? fromStorage(backend, backend.where(written, zero, g!, x.shape), x.shape, x.dtype) : null;
    zero.dispose();
    return [gx, ns ? indexSelect(g!, d, flatIndex) : null];
  });
  releaseInternal(out, [written]);
  return out;
}

/** `[n]` bool: 1 at the given positions. */
function rowMask(indices: Int32Array, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < indices.length; i++) mask[indices[i]] = 1;
  return mask;
}

/** Throws if an index repeats; returns the indices when they can be read on the host. */
function checkDistinct(op: string, index: Tensor): Int32Array | null {
  const read = index.backend.readSync;
  if (!read) return null;
  const data = read.call(index.backend, index.storage, 'int32', index.size) as Int32Array;
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    if (seen.has(data[i])) {
      throw new ValueError(
        `${op}: index ${data[i]} appears twice (at position ${i}); each entry can be written once`,
      );
    }
    seen.add(data[i]);
  }
  return data;
}
