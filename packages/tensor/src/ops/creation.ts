import type { Backend } from '../backend/backend';
import { findBackend, getBackend } from '../backend/registry';
import { allocArray, type DType, dtypeOfArray, type TypedArray } from '../dtype';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import { checkShape, type Shape, sizeOf } from '../shape';
import { checkDTypeSupported, fromArray, fromStorage, type Tensor } from '../tensor';

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Element type; `float32` unless said otherwise (JavaScript numbers carry no int/float distinction). */
  dtype?: DType;
  /** Backend name or instance; the current backend (`getBackend()`) by default. */
  backend?: string | Backend;
  /** Make the new tensor a leaf that accumulates gradients. */
  requiresGrad?: boolean;
}

/** Nested arrays of numbers or booleans. */
export type TensorLike = number | boolean | TypedArray | readonly TensorLike[];

/** @internal */
export function resolveBackend(b: string | Backend | undefined): Backend {
  if (b === undefined) return getBackend();
  return typeof b === 'string' ? findBackend(b) : b;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Creates a tensor from nested arrays, a number, or a typed array (then `options.shape` may give
 * the shape; a typed array's own type sets the dtype unless `dtype` is given).
 */
export function tensor(
  data: TensorLike,
  options: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  const backend = resolveBackend(options.backend);
  let shape: number[];
  let flat: ArrayLike<number | boolean>;
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const own = dtypeOfArray(arr);
    if (!own)
      throw new DTypeError(
        'tensor: unsupported typed array (use Float32Array, Float64Array, Int32Array or Uint8Array)',
      );
    dtype = options.dtype ?? own;
    shape = options.shape ? [...options.shape] : [arr.length];
    flat = arr;
  } else {
    shape = inferShape(data);
    const values: (number | boolean)[] = [];
    flatten(data, shape, 0, values);
    flat = values;
    dtype = options.dtype ?? (values.length > 0 && typeof values[0] === 'boolean' ? 'bool' : 'float32');
    if (options.shape) shape = [...options.shape];
  }
  checkShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new ShapeError(
      `tensor: ${flat.length} values do not fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  const arr = allocArray(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = Number(flat[i]);
    if (dtype === 'int32' && !Number.isInteger(v)) {
      throw new DTypeError(`tensor: value ${v} at flat index ${i} is not an integer, but dtype is int32`);
    }
    arr[i] = v;
  }
  return finish(fromArray(backend, arr, shape, dtype), options);
}

function inferShape(data: TensorLike): number[] {
  const shape: number[] = [];
  let d: TensorLike = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  return shape;
}

function flatten(data: TensorLike, shape: number[], dim: number, out: (number | boolean)[]): void {
  if (dim === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new ShapeError(`tensor: ragged nested array (expected a number at depth ${dim})`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new ShapeError(
      `tensor: ragged nested array: expected ${shape[dim]} elements at depth ${dim}, got ${
        Array.isArray(data) ? data.length : typeof data
      }`,
    );
  }
  for (const x of data) flatten(x, shape, dim + 1, out);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = options.dtype ?? 'float32';
  const backend = resolveBackend(options.backend);
  checkDTypeSupported(backend, dtype, 'full');
  return finish(fromStorage(backend, backend.fill(shape, dtype, value), shape, dtype), options);
}

/** A tensor of `shape` filled with zeros (float32 unless `options.dtype`). */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

function likeOptions(t: Tensor, options: CreateOptions): CreateOptions {
  return { dtype: t.dtype, backend: t.backend, ...options };
}

/** A tensor with `t`'s shape, dtype and backend (unless overridden) filled with `value`. */
export function fullLike(t: Tensor, value: number, options: CreateOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, options));
}

/** Zeros with `t`'s shape, dtype and backend. */
export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions(t, options));
}

/** Ones with `t`'s shape, dtype and backend. */
export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 1, likeOptions(t, options));
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`, like `torch.arange`;
 * `arange(n)` counts from 0. The dtype is int32 when all arguments are integers, else float32.
 */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new ValueError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every((v) => Number.isInteger(v)) ? 'int32' : 'float32');
  const arr = allocArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return finish(fromArray(resolveBackend(options.backend), arr, [n], dtype), options);
}

/** Identity matrix `[n, m]` (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const dtype = options.dtype ?? 'float32';
  const arr = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(fromArray(resolveBackend(options.backend), arr, [n, m], dtype), options);
}

/** @internal Scalar operand with the dtype/backend of `like`. */
export function scalarLike(value: number, like: Tensor, dtype: DType = like.dtype): Tensor {
  return full([], value, { dtype, backend: like.backend });
}

export type { Shape };
