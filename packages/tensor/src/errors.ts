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

/**
 * Input that does not follow its format: a malformed line of a corpus, truncated JSON, unbalanced
 * parse brackets, invalid UTF-8, a damaged safetensors file or checkpoint, a zip or `.npy` header.
 * Shared by every package that reads files (`@rnn/data`, `@rnn/nn` serialization).
 *
 * The message reads `file:line: expected …, got …`; `file` and `line` are also fields, so a program
 * can point at the place without parsing the message. `line` is 1-based; it is 0 for problems that
 * belong to a whole file or a binary container.
 */
export class DataFormatError extends RnnError {
  /** The file (or source name, e.g. `safetensors`) the problem is in. */
  readonly file: string;
  /** 1-based line number, or 0 when the problem is not tied to a line. */
  readonly line: number;
  /** What was expected and what was found, without the `file:line: ` prefix. */
  readonly detail: string;

  constructor(file: string, line: number, detail: string) {
    super(`${line > 0 ? `${file}:${line}` : file}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** A shape as error messages print it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
