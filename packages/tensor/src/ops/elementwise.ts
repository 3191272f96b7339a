import type { BinaryOp, CompareOp, UnaryOp } from '../backend/backend';
import { type DType, isFloat, promoteTypes } from '../dtype';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import { broadcastShapes, shapesEqual } from '../shape';
import {
  checkDTypeSupported,
  fromStorage,
  record,
  releaseInternal,
  sameBackend,
  type Tensor,
} from '../tensor';
import { scalarLike } from './creation';
import { ops } from './table';

// Gradients call ops of modules that import this one (reductions, activation gradients) through the
// op table (`ops/table.ts`), which keeps the op modules free of import cycles.

// ------------------------------------------------------------------ raw kernels (no autograd)

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return fromStorage(x.backend, x.backend.unary(op, x), x.shape, x.dtype);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return fromStorage(a.backend, a.backend.binary(op, a, b, shape), shape, a.dtype);
}

/** Brings two operands to one backend and one dtype, as PyTorch's type promotion does. */
function operands(op: string, a: Tensor, b: Tensor | number, arithmetic: boolean): [Tensor, Tensor] {
  let dtype: DType;
  if (typeof b === 'number') {
    dtype = a.dtype;
    if (!isFloat(dtype) && !Number.isInteger(b)) dtype = 'float32';
  } else {
    sameBackend(op, [a, b]);
    dtype = promoteTypes(a.dtype, b.dtype);
  }
  if (arithmetic && dtype === 'bool') dtype = 'int32';
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  const x = a.dtype === dtype ? a : cast(a, dtype);
  const y = typeof b === 'number' ? scalarLike(b, a, dtype) : b.dtype === dtype ? b : cast(b, dtype);
  return [x, y];
}

/** The operands an op made itself (scalar constants, casts), as opposed to the tensors it was given. */
function temporaries(a: Tensor | number, b: Tensor | number, x: Tensor, y: Tensor): readonly Tensor[] {
  if (x === a && y === b) return NONE; // the common case: no array per op
  return [x, y].filter((t) => t !== a && t !== b);
}
const NONE: readonly Tensor[] = [];

/** Gives an op's own temporaries (scalars, casts) back as soon as they are done with (see `releaseInternal`). */
function released(out: Tensor, temps: readonly Tensor[]): Tensor {
  releaseInternal(out, temps);
  return out;
}

function floatInput(op: string, x: Tensor): Tensor {
  if (isFloat(x.dtype)) return x;
  if (x.dtype === 'bool') throw new DTypeError(`${op}: expected a floating-point or int32 tensor, got bool`);
  return cast(x, 'float32');
}

// ------------------------------------------------------------------ binary arithmetic

/** `a + b`, broadcasting, with PyTorch's type promotion (a number operand takes `a`'s dtype). */
export function add(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands('add', a, b, true);
  const out = binaryRaw('add', x, y);
  return released(
    record('add', [x, y], out, ([g], [nx, ny]) => [
      nx ? ops.red.sumToShape(g!, x.shape) : null,
      ny ? ops.red.sumToShape(g!, y.shape) : null,
    ]),
    temporaries(a, b, x, y),
  );
}

/** `a - b`, broadcasting. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands('sub', a, b, true);
  const out = binaryRaw('sub', x, y);
  return released(
    record('sub', [x, y], out, ([g], [nx, ny]) => [
      nx ? ops.red.sumToShape(g!, x.shape) : null,
      ny ? ops.red.sumToShape(neg(g!), y.shape) : null,
    ]),
    temporaries(a, b, x, y),
  );
}

/** `a * b` elementwise, broadcasting. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands('mul', a, b, true);
  const out = binaryRaw('mul', x, y);
  return released(
    record('mul', [x, y], out, ([g], [nx, ny]) => [
      nx ? ops.red.sumToShape(mul(g!, y), x.shape) : null,
      ny ? ops.red.sumToShape(mul(g!, x), y.shape) : null,
    ]),
    temporaries(a, b, x, y),
  );
}

/** `a / b`, broadcasting; integer operands give float32 (true division, as PyTorch). */
export function div(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands('div', a, b, true);
  const out = binaryRaw('div', x, y);
  return released(
    record('div', [x, y], out, ([g], [nx, ny]) => [
      nx ? ops.red.sumToShape(div(g!, y), x.shape) : null,
      ny ? ops.red.sumToShape(neg(div(mul(g!, out), y)), y.shape) : null,
    ]),
    temporaries(a, b, x, y),
  );
}

/** `a ** b` elementwise. */
export function pow(a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands('pow', a, b, true);
  const out = binaryRaw('pow', x, y);
  // As PyTorch: d/dx is 0 where y == 0 and d/dy is 0 where x == 0 and y >= 0 (not 0 * inf = NaN).
  return released(
    record('pow', [x, y], out, ([g], [nx, ny]) => [
      nx
        ? ops.red.sumToShape(
            where(compareRaw('eq', y, scalarLike(0, y)), 0, mul(g!, mul(y, pow(x, sub(y, 1))))),
            x.shape,
          )
        : null,
      ny
        ? ops.red.sumToShape(
            where(
              logicalAnd(compareRaw('eq', x, scalarLike(0, x)), compareRaw('ge', y, scalarLike(0, y))),
              0,
              mul(g!, mul(out, log(x))),
            ),
            y.shape,
          )
        : null,
    ]),
    temporaries(a, b, x, y),
  );
}

/** Elementwise maximum; on ties the gradient is split evenly, as in PyTorch. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('maximum', a, b);
}

/** Elementwise minimum; on ties the gradient is split evenly, as in PyTorch. */
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('minimum', a, b);
}

function extremum(op: 'maximum' | 'minimum', a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands(op, a, b, false);
  const out = record(op, [x, y], binaryRaw(op, x, y), ([g], [nx, ny]) => {
    const tie = compareRaw('eq', x, y);
    const half = mul(g!, 0.5);
    const xWins = compareRaw(op === 'maximum' ? 'gt' : 'lt', x, y);
    const yWins = compareRaw(op === 'maximum' ? 'lt' : 'gt', x, y);
    const zero = scalarLike(0, g!);
    const pick = (wins: Tensor) => where(tie, half, where(wins, g!, zero));
    return [
      nx ? ops.red.sumToShape(pick(xWins), x.shape) : null,
      ny ? ops.red.sumToShape(pick(yWins), y.shape) : null,
    ];
  });
  return released(out, temporaries(a, b, x, y));
}

// ------------------------------------------------------------------ unary

/** `-x`. */
export function neg(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new DTypeError('neg: bool tensors cannot be negated; use logicalNot()');
  return record('neg', [x], unaryRaw('neg', x), ([g]) => [neg(g!)]);
}

/** `e ** x` elementwise. */
export function exp(x: Tensor): Tensor {
  const xf = floatInput('exp', x);
  const out = unaryRaw('exp', xf);
  return record('exp', [xf], out, ([g]) => [mul(g!, out)]);
}

/** Natural logarithm elementwise. */
export function log(x: Tensor): Tensor {
  const xf = floatInput('log', x);
  return record('log', [xf], unaryRaw('log', xf), ([g]) => [div(g!, xf)]);
}

/** Square root elementwise. */
export function sqrt(x: Tensor): Tensor {
  const xf = floatInput('sqrt', x);
  const out = unaryRaw('sqrt', xf);
  return record('sqrt', [xf], out, ([g]) => [div(g!, mul(out, 2))]);
}

/** Absolute value elementwise. */
export function abs(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new DTypeError('abs: expected a numeric tensor, got bool');
  return record('abs', [x], unaryRaw('abs', x), ([g]) => [mul(g!, unaryRaw('sign', x))]);
}

/** Hyperbolic tangent elementwise (its gradient is the fused `tanhGrad`). */
export function tanh(x: Tensor): Tensor {
  const xf = floatInput('tanh', x);
  const out = unaryRaw('tanh', xf);
  return record('tanh', [xf], out, ([g]) => [ops.tanhGrad(out, g!)]);
}

/** Logistic sigmoid `1 / (1 + e^-x)` elementwise (gradient: the fused `sigmoidGrad`). */
export function sigmoid(x: Tensor): Tensor {
  const xf = floatInput('sigmoid', x);
  const out = unaryRaw('sigmoid', xf);
  return record('sigmoid', [xf], out, ([g]) => [ops.sigmoidGrad(out, g!)]);
}

/** `max(x, 0)` elementwise. */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw new DTypeError('relu: expected a numeric tensor, got bool');
  return record('relu', [x], unaryRaw('relu', x), ([g]) => [
    mul(g!, cast(compareRaw('gt', x, scalarLike(0, x)), g!.dtype)),
  ]);
}

/** -1, 0 or 1 by sign (no gradient). */
export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x);
}

/** Clamps into `[min, max]`; either bound may be omitted. Gradient flows where `min <= x <= max`. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new ValueError('clamp: bounds must not be NaN');
  if (x.dtype === 'bool') throw new DTypeError('clamp: expected a numeric tensor, got bool');
  const out = fromStorage(x.backend, x.backend.clamp(x, lo, hi), x.shape, x.dtype);
  return record('clamp', [x], out, ([g]) => {
    const inside = logicalAnd(compareRaw('ge', x, scalarLike(lo, x)), compareRaw('le', x, scalarLike(hi, x)));
    return [mul(g!, cast(inside, g!.dtype))];
  });
}

/** `1 - t`, used by a few gradients. */
/** @internal `1 − t`, without autograd. */
export function oneMinus(t: Tensor): Tensor {
  return binaryRaw('sub', scalarLike(1, t), t);
}

// ------------------------------------------------------------------ comparisons and selection

function compareRaw(op: CompareOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  return fromStorage(a.backend, a.backend.compare(op, a, b, shape), shape, 'bool');
}

/** Elementwise comparison to a bool tensor (no gradient). */
export function compare(op: CompareOp, a: Tensor, b: Tensor | number): Tensor {
  const [x, y] = operands(op, a, b, false);
  return released(compareRaw(op, x, y), temporaries(a, b, x, y));
}

/** Logical not of a bool tensor. */
export function logicalNot(x: Tensor): Tensor {
  return unaryRaw('not', x.dtype === 'bool' ? x : cast(x, 'bool'));
}

/** Logical and of two bool tensors, broadcasting. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  sameBackend('logicalAnd', [a, b]);
  return binaryRaw(
    'minimum',
    a.dtype === 'bool' ? a : cast(a, 'bool'),
    b.dtype === 'bool' ? b : cast(b, 'bool'),
  );
}

/** Logical or of two bool tensors, broadcasting. */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  sameBackend('logicalOr', [a, b]);
  return binaryRaw(
    'maximum',
    a.dtype === 'bool' ? a : cast(a, 'bool'),
    b.dtype === 'bool' ? b : cast(b, 'bool'),
  );
}

/** `cond ? a : b` elementwise, with broadcasting. `cond` must be bool. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (cond.dtype !== 'bool')
    throw new DTypeError(`where: the condition must be a bool tensor, got ${cond.dtype}`);
  let x: Tensor;
  let y: Tensor;
  if (typeof a === 'number' && typeof b === 'number') {
    x = scalarLike(a, cond, 'float32');
    y = scalarLike(b, cond, 'float32');
  } else if (typeof a === 'number') {
    sameBackend('where', [cond, b as Tensor]);
    [y, x] = operands('where', b as Tensor, a, false);
  } else {
    sameBackend('where', typeof b === 'number' ? [cond, a] : [cond, a, b]);
    [x, y] = operands('where', a, b, false);
  }
  const shape = broadcastShapes('where', cond.shape, x.shape, y.shape);
  const out = fromStorage(cond.backend, cond.backend.where(cond, x, y, shape), shape, x.dtype);
  const result = record('where', [x, y], out, ([g], [nx, ny]) => {
    const zero = scalarLike(0, g!);
    return [
      nx ? ops.red.sumToShape(whereRaw(cond, g!, zero), x.shape) : null,
      ny ? ops.red.sumToShape(whereRaw(cond, zero, g!), y.shape) : null,
    ];
  });
  return released(result, temporaries(a, b, x, y));
}

function whereRaw(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes('where', cond.shape, a.shape, b.shape);
  return fromStorage(cond.backend, cond.backend.where(cond, a, b, shape), shape, a.dtype);
}

/** Elements where `mask` is true become `value`; gradient flows to the others. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool')
    throw new DTypeError(`maskedFill: the mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (!shapesEqual(shape, x.shape)) {
    throw new ShapeError(
      `maskedFill: mask ${fmtShape(mask.shape)} must broadcast to the input's shape ${fmtShape(x.shape)}`,
    );
  }
  const fill = scalarLike(value, x, isFloat(x.dtype) || Number.isInteger(value) ? x.dtype : 'float32');
  return released(where(mask, fill, x), [fill]);
}

// ------------------------------------------------------------------ dtype conversion

/** Converts to `dtype`; differentiable between floating-point types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  checkDTypeSupported(x.backend, dtype, 'cast');
  const out = fromStorage(x.backend, x.backend.cast(x, dtype), x.shape, dtype);
  if (!isFloat(dtype) || !isFloat(x.dtype)) return out;
  return record('cast', [x], out, ([g]) => [cast(g!, x.dtype)]);
}
