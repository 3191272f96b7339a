import { promoteTypes } from '../dtype';
import { DTypeError, fmtShape, ShapeError } from '../errors';
import { broadcastShapes, shapesEqual, sizeOf } from '../shape';
import { fromStorage, record, sameBackend, type Tensor } from '../tensor';
import { cast } from './elementwise';
import { sum } from './reduce';
import { expand, reshape } from './shape';

/** Raw batched product of 3-D operands `[Ba, ., .]` and `[Bb, ., .]` with Ba, Bb equal or 1. */
function bmmRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const batch = Math.max(a.shape[0], b.shape[0]);
  const m = transA ? a.shape[2] : a.shape[1];
  const n = transB ? b.shape[1] : b.shape[2];
  return fromStorage(a.backend, a.backend.matmul(a, b, transA, transB), [batch, m, n], a.dtype);
}

/** Differentiable 3-D batched matmul; gradients are summed over a broadcast batch of 1. */
function bmm(a: Tensor, b: Tensor): Tensor {
  return record('matmul', [a, b], bmmRaw(a, b, false, false), ([g], [na, nb]) => {
    const reduceBatch = (t: Tensor, batch: number) => (batch === 1 && t.shape[0] !== 1 ? sum(t, 0, true) : t);
    return [
      na ? reduceBatch(bmmRaw(g!, b, false, true), a.shape[0]) : null,
      nb ? reduceBatch(bmmRaw(a, g!, true, false), b.shape[0]) : null,
    ];
  });
}

/**
 * Matrix product with `torch.matmul` semantics: 1-D operands are treated as vectors, leading (batch)
 * dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameBackend('matmul', [a, b]);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (a.dtype === 'bool' || b.dtype === 'bool')
    throw new DTypeError('matmul: bool tensors cannot be multiplied');
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (a.dtype !== b.dtype && (a.dtype === 'int32' || b.dtype === 'int32')) {
    throw new DTypeError(
      `matmul: operands have different dtypes (${a.dtype} and ${b.dtype}); convert one first`,
    );
  }
  const x = cast(a, dtype);
  const y = cast(b, dtype);
  const x2 = x.ndim === 1 ? reshape(x, [1, x.shape[0]]) : x;
  const y2 = y.ndim === 1 ? reshape(y, [y.shape[0], 1]) : y;
  const [m, k] = x2.shape.slice(-2);
  const [k2, n] = y2.shape.slice(-2);
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${k2})`,
    );
  }
  const batchA = x2.shape.slice(0, -2);
  const batchB = y2.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const nb = sizeOf(batch);
  let out: Tensor;
  if (batchB.length === 0 && batchA.length > 0) {
    // [..., m, k] @ [k, n]: one big 2-D product, no copies.
    out = bmm(reshape(x2, [1, sizeOf(batchA) * m, k]), reshape(y2, [1, k, n]));
  } else {
    const to3d = (t: Tensor, tb: readonly number[], rows: number, cols: number) => {
      if (sizeOf(tb) === 1) return reshape(t, [1, rows, cols]);
      const full = shapesEqual(tb, batch) ? t : expand(t, [...batch, rows, cols]);
      return reshape(full, [nb, rows, cols]);
    };
    out = bmm(to3d(x2, batchA, m, k), to3d(y2, batchB, k, n));
  }
  let shape = [...batch, m, n];
  if (a.ndim === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.ndim === 1) shape = shape.slice(0, -1);
  return reshape(out, shape);
}
