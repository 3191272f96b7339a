import { DTypeError, fmtShape, ShapeError } from '../errors';
import { normalizeAxis } from '../shape';
import { fromStorage, record, sameBackend, type Tensor } from '../tensor';
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
