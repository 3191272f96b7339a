import { isFloat } from '../dtype';
import { DTypeError } from '../errors';
import { normalizeAxis } from '../shape';
import { fromStorage, record, type Tensor } from '../tensor';
import { exp, mul, sub } from './elementwise';
import { sum } from './reduce';

function check(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype}`);
}

/** Softmax along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  check('softmax', x);
  const d = normalizeAxis('softmax', dim, x.ndim);
  const src = x.ndim === 0 ? x.reshape([1]) : x;
  const y = fromStorage(x.backend, x.backend.softmax(src, d, false), x.shape, x.dtype);
  // dx = y * (g - sum(g * y))
  return record('softmax', [x], y, ([g]) => [mul(y, sub(g!, sum(mul(g!, y), d, true)))]);
}

/** Log-softmax along `dim` (stable; prefer it to `softmax().log()`). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  check('logSoftmax', x);
  const d = normalizeAxis('logSoftmax', dim, x.ndim);
  const src = x.ndim === 0 ? x.reshape([1]) : x;
  const y = fromStorage(x.backend, x.backend.softmax(src, d, true), x.shape, x.dtype);
  // dx = g - exp(y) * sum(g)
  return record('logSoftmax', [x], y, ([g]) => [sub(g!, mul(exp(y), sum(g!, d, true)))]);
}
