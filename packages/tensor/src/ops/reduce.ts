import type { ReduceOp } from '../backend/backend';
import { isFloat } from '../dtype';
import { DTypeError, fmtShape, ShapeError } from '../errors';
import { normalizeAxes, normalizeAxis, type Shape, shapesEqual } from '../shape';
import { aliasOf, fromStorage, record, type Tensor } from '../tensor';
import { cast, compare, div, mul, sub } from './elementwise';
import { expand, reshape } from './shape';

/** Shape after reducing `axes`: dropped, or kept as 1 with `keepDim`. */
function reducedShape(shape: Shape, axes: readonly number[], keepDim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDim) out.push(1);
  });
  return out;
}

function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[], keepDim: boolean): Tensor {
  const shape = reducedShape(x.shape, axes, keepDim);
  if (axes.length === 0) return aliasOf(x, shape);
  return fromStorage(x.backend, x.backend.reduce(op, x, axes), shape, x.dtype);
}

/** Sum over `axis` (all axes when omitted). Bool tensors are summed as int32. */
export function sum(x: Tensor, axis?: number | readonly number[], keepDim = false): Tensor {
  const xs = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const axes = normalizeAxes('sum', axis, xs.ndim);
  const out = reduceRaw('sum', xs, axes, keepDim);
  return record('sum', [xs], out, ([g]) => [
    expand(reshape(g!, reducedShape(xs.shape, axes, true)), xs.shape),
  ]);
}

/** Mean over `axis` (all axes when omitted); floating-point tensors only, as in PyTorch. */
export function mean(x: Tensor, axis?: number | readonly number[], keepDim = false): Tensor {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `mean: expected a floating-point tensor, got ${x.dtype} (convert with .float() first)`,
    );
  }
  const axes = normalizeAxes('mean', axis, x.ndim);
  let count = 1;
  for (const a of axes) count *= x.shape[a];
  return div(sum(x, axes, keepDim), count);
}

/** Maximum over `axis` (all when omitted), as `torch.amax`: ties share the gradient evenly. */
export function max(x: Tensor, axis?: number | readonly number[], keepDim = false): Tensor {
  return extremum('max', x, axis, keepDim);
}

/** Minimum over `axis` (all when omitted), as `torch.amin`: ties share the gradient evenly. */
export function min(x: Tensor, axis?: number | readonly number[], keepDim = false): Tensor {
  return extremum('min', x, axis, keepDim);
}

function extremum(
  op: 'max' | 'min',
  x: Tensor,
  axis: number | readonly number[] | undefined,
  keepDim: boolean,
): Tensor {
  const axes = normalizeAxes(op, axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] === 0)
      throw new ShapeError(`${op}: cannot reduce dimension ${a} of size 0 in ${fmtShape(x.shape)}`);
  }
  if (x.size === 0) throw new ShapeError(`${op}: cannot reduce an empty tensor ${fmtShape(x.shape)}`);
  const out = reduceRaw(op, x, axes, keepDim);
  return record(op, [x], out, ([g]) => {
    // The gradient is shared evenly among the elements equal to the extremum (torch.amax semantics).
    const kept = reducedShape(x.shape, axes, true);
    const hit = cast(compare('eq', x, reshape(out, kept)), g!.dtype);
    const count = sum(hit, axes, true);
    return [mul(div(hit, count), reshape(g!, kept))];
  });
}

/** Index (int32) of the first maximum along `axis`, or of the flattened tensor when omitted. */
export function argmax(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtremum('argmax', x, axis, keepDim);
}

/** Index (int32) of the first minimum along `axis`, or of the flattened tensor when omitted. */
export function argmin(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtremum('argmin', x, axis, keepDim);
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  if (x.size === 0) throw new ShapeError(`${op}: cannot reduce an empty tensor ${fmtShape(x.shape)}`);
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const out = fromStorage(x.backend, x.backend.argReduce(op, flat, 0), [], 'int32');
    return keepDim
      ? reshape(
          out,
          x.shape.map(() => 1),
        )
      : out;
  }
  const a = normalizeAxis(op, axis, x.ndim);
  const src = x.ndim === 0 ? reshape(x, [1]) : x;
  const shape = x.ndim === 0 ? [] : reducedShape(x.shape, [a], keepDim);
  return fromStorage(x.backend, x.backend.argReduce(op, src, a), shape, 'int32');
}

/** `log(sum(exp(x)))` over `axis`, computed stably. */
export function logsumexp(x: Tensor, axis: number | readonly number[], keepDim = false): Tensor {
  if (!isFloat(x.dtype)) throw new DTypeError(`logsumexp: expected a floating-point tensor, got ${x.dtype}`);
  const axes = normalizeAxes('logsumexp', axis, x.ndim);
  const m = max(x, axes, true).detach();
  // Rows that are all -Infinity would give NaN from (-inf) - (-inf); shift them by 0 instead.
  const safe = m.maskedFill(compare('eq', m, Number.NEGATIVE_INFINITY), 0);
  const out = sub(x, safe).exp().sum(axes, true).log().add(safe);
  return keepDim ? out : reshape(out, reducedShape(x.shape, axes, false));
}

/** Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}
