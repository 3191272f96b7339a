/**
 * Typed errors. Every message names the operation and the shapes, dtypes or backends involved,
 * and what was expected, so the fix is obvious from the message alone.
 */
export class RnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation (broadcasting, matmul inner dims, axes out of range, ...). */
export class ShapeError extends RnnError {}

/** A dtype the operation does not accept (e.g. `log` of an int32 tensor, float index tensors). */
export class DTypeError extends RnnError {}

/** Backend problems: unknown backend, tensors on different backends, a backend that cannot do a thing. */
export class BackendError extends RnnError {}

/** Invalid arguments that are neither shapes nor dtypes (probabilities outside [0, 1), bad sizes, ...). */
export class ValueError extends RnnError {}

/** Autograd misuse: backward on a non-scalar without a gradient, a freed graph, a tensor that needs no grad. */
export class AutogradError extends RnnError {}

/** Use of a tensor after `dispose()` (or after a scope released it). */
export class DisposedError extends RnnError {}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
