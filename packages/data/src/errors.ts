import { RnnError } from '@rnn/tensor';

/**
 * Input that does not follow its format: a malformed line, a wrong column count, an unknown label,
 * invalid UTF-8, an empty file, truncated JSON, unbalanced parse brackets, a damaged archive.
 *
 * The message reads `file:line: expected …, got …`; `file` and `line` are also fields, so a
 * program can point at the place without parsing the message. `line` is 1-based; it is 0 for
 * problems that belong to a whole file or a binary container (a zip or `.npy` header).
 */
export class DataFormatError extends RnnError {
  /** The file (or source name) the problem is in. */
  readonly file: string;
  /** 1-based line number, or 0 when the problem is not tied to a line. */
  readonly line: number;
  /** What the reader expected and what it found, without the `file:line: ` prefix. */
  readonly detail: string;

  constructor(file: string, line: number, detail: string) {
    super(`${line > 0 ? `${file}:${line}` : file}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** Shortens a piece of input for an error message, and makes invisible characters visible. */
export function quote(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
