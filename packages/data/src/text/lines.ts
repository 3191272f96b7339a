/**
 * Line splitting with exact 1-based line numbers, from strings or from UTF-8 bytes (whole or in
 * chunks, as a stream delivers them). Bytes are decoded strictly, so invalid UTF-8 is reported on
 * its line instead of becoming U+FFFD.
 */

/** One line of input: its 1-based number and its text (without `\n` / `\r\n`). */
export interface Line {
  line: number;
  /** The text, or `null` when the line's bytes are not valid UTF-8 (then `error` says why). */
  text: string | null;
  error?: string;
}

/** Text (already decoded) or UTF-8 bytes. */
export type TextSource = string | Uint8Array;

const NEWLINE = 10;

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

/** Splits a string into lines. A final `\n` does not start another line; a leading BOM is dropped. */
export function* linesOfString(text: string): Generator<Line> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    yield { line: ++n, text: stripCr(text.slice(start, end)) };
    start = end + 1;
  }
}

/**
 * Turns UTF-8 byte chunks into lines. Feed chunks with {@link LineDecoder.push} and call
 * {@link LineDecoder.end} once at the end. Each chunk is decoded in one call when it is valid;
 * otherwise line by line, so only the lines with invalid bytes are reported (as `text: null`).
 */
export class LineDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private rest: Uint8Array = new Uint8Array(0);
  private lineNo = 0;
  private first = true;

  /** Adds a chunk; returns the lines it completed. */
  push(chunk: Uint8Array): Line[] {
    let bytes = chunk;
    if (this.rest.length > 0) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest, 0);
      bytes.set(chunk, this.rest.length);
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.rest = new Uint8Array(bytes);
      return [];
    }
    // A real copy: a Node Buffer's slice() is a view into memory the stream may reuse.
    this.rest = new Uint8Array(bytes.length - last - 1);
    this.rest.set(bytes.subarray(last + 1));
    return this.decodeLines(bytes.subarray(0, last + 1));
  }

  /** Flushes the last line (one without a final newline). */
  end(): Line[] {
    const bytes = this.rest;
    this.rest = new Uint8Array(0);
    if (bytes.length === 0) return [];
    return this.decodeLines(bytes);
  }

  /** `bytes` ends with `\n`, or is the final piece of input. */
  private decodeLines(bytes: Uint8Array): Line[] {
    if (this.first) {
      this.first = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
      }
    }
    const out: Line[] = [];
    let text: string | null = null;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      text = null;
    }
    if (text !== null) {
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        out.push({ line: ++this.lineNo, text: stripCr(text.slice(start, end)) });
        start = end + 1;
      }
      return out;
    }
    // Some line is not valid UTF-8: decode line by line to say which.
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf(NEWLINE, start);
      if (end < 0) end = bytes.length;
      const lineBytes = bytes.subarray(start, end);
      const n = ++this.lineNo;
      try {
        out.push({ line: n, text: stripCr(this.decoder.decode(lineBytes)) });
      } catch {
        out.push({ line: n, text: null, error: invalidUtf8Detail(lineBytes) });
      }
      start = end + 1;
    }
    return out;
  }
}

/** Describes where a line stops being valid UTF-8. */
function invalidUtf8Detail(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // Find the first byte offset where a prefix stops decoding (prefix ends at a char boundary).
  let good = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) break;
    try {
      decoder.decode(bytes.subarray(i, i + len));
    } catch {
      break;
    }
    i += len;
    good = i;
  }
  const shown = Array.from(bytes.subarray(good, Math.min(bytes.length, good + 4)))
    .map((b) => `0x${b.toString(16).padStart(2, '0')}`)
    .join(' ');
  return `expected valid UTF-8, got invalid bytes ${shown} at byte ${good} of the line`;
}

/** Lines of a string or of UTF-8 bytes (decoded strictly). */
export function* linesOf(source: TextSource): Generator<Line> {
  if (typeof source === 'string') {
    yield* linesOfString(source);
    return;
  }
  const decoder = new LineDecoder();
  yield* decoder.push(source);
  yield* decoder.end();
}

/**
 * A reader as a state machine over lines, so the same parser serves strings, byte buffers and
 * streamed files: {@link LineParser.push} each line in order, then {@link LineParser.finish}.
 */
export interface LineParser<R> {
  /** Reads the next line (in order; a bad line throws, or is counted with `skipInvalid`). */
  push(line: Line): void;
  /** Ends the input and returns what was read (an empty input is an error). */
  finish(): R;
}

/** Runs a parser over lines. */
export function parseLines<R>(parser: LineParser<R>, lines: Iterable<Line>): R {
  for (const l of lines) parser.push(l);
  return parser.finish();
}
