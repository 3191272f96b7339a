import { DataFormatError, quote } from '../errors';
import { lineText } from '../readers/common';
import { type DataReport, IssueSink, type ReadOptions } from '../report';
import { type Line, type LineParser, linesOf, parseLines, type TextSource } from '../text/lines';

/** Word vectors: `tokens[i]` has row `i` of the `[tokens.length, dim]` row-major `vectors`. */
export interface WordVectors {
  tokens: string[];
  vectors: Float32Array;
  dim: number;
}

/** Options of the word2vec / GloVe text reader. */
export interface TextVectorsOptions extends ReadOptions {
  /**
   * Keep only the tokens this accepts (e.g. `(t) => vocab.has(t)`), so a 400k-word file costs
   * memory only for the words in use. All lines are still checked.
   */
  keep?: (token: string) => boolean;
}

/** Word vectors read from text, with the reader's report. */
export interface TextVectorsData extends WordVectors {
  report: DataReport;
  /** The `count dim` header of word2vec files, if there was one. */
  header?: { count: number; dim: number };
}

/**
 * The word2vec / GloVe text reader as a line parser: `token v1 … vd` per line, separated by single
 * spaces or tabs. word2vec's `count dim` first line is recognised (and its count checked at the
 * end); GloVe has none, and the first vector's length sets `dim`. Each line must have exactly
 * `dim + 1` fields of which the last `dim` are finite numbers. Repeated tokens keep the first vector.
 */
export class TextVectorsParser implements LineParser<TextVectorsData> {
  private readonly sink: IssueSink;
  private readonly keep: ((token: string) => boolean) | undefined;
  private dim = 0;
  private header: { count: number; dim: number } | undefined;
  private readonly tokens: string[] = [];
  private readonly seen = new Set<string>();
  private data = new Float32Array(1024);
  private rows = 0;
  private vectorLines = 0;

  constructor(options: TextVectorsOptions = {}) {
    this.sink = new IssueSink(options.file ?? '<input>', options.skipInvalid);
    this.keep = options.keep;
  }

  /** Reads the next line (see {@link LineParser.push}). */
  push(l: Line): void {
    const problem = this.read(l);
    if (problem !== null) this.sink.invalid(l.line, problem);
  }

  /** Reads one line; returns what is wrong with it, or null. */
  private read(l: Line): string | null {
    const sink = this.sink;
    sink.report.lines = l.line;
    const text = lineText(l, (n, d) => sink.invalid(n, d));
    if (text === null) return null;
    const fields = text.trimEnd().split(/[ \t]/);
    if (l.line === 1 && fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
      const count = Number(fields[0]);
      const dim = Number(fields[1]);
      if (dim < 1) return `expected a header "count dim" with dim >= 1, got ${quote(text)}`;
      this.header = { count, dim };
      this.dim = dim;
      return null;
    }
    if (fields.length < 2 || fields[0].length === 0) {
      return `expected "token v1 … vd", got ${quote(text)}`;
    }
    if (this.dim === 0) this.dim = fields.length - 1;
    if (fields.length !== this.dim + 1) {
      return `expected a token and ${this.dim} numbers (${this.dim + 1} fields), got ${fields.length} fields`;
    }
    const values = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) {
      const s = fields[j + 1];
      const v = Number(s);
      if (s.length === 0 || !Number.isFinite(v)) {
        return `expected a finite number in field ${j + 2}, got ${quote(s, 20)}`;
      }
      values[j] = v;
    }
    this.vectorLines++;
    sink.report.records++;
    const token = fields[0];
    if (this.seen.has(token) || (this.keep && !this.keep(token))) return null;
    this.seen.add(token);
    if ((this.rows + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, (this.rows + 1) * this.dim));
      grown.set(this.data.subarray(0, this.rows * this.dim));
      this.data = grown;
    }
    this.data.set(values, this.rows * this.dim);
    this.tokens.push(token);
    this.rows++;
    return null;
  }

  /** Ends the input and returns what was read (see {@link LineParser.finish}). */
  finish(): TextVectorsData {
    const sink = this.sink;
    sink.requireContent('vector line');
    if (this.header && this.header.count !== this.vectorLines + sink.report.skipped) {
      throw new DataFormatError(
        sink.file,
        sink.report.lines,
        `expected ${this.header.count} vectors as the header says, got ${this.vectorLines + sink.report.skipped}`,
      );
    }
    return {
      tokens: this.tokens,
      vectors: this.data.slice(0, this.rows * this.dim),
      dim: this.dim,
      report: sink.report,
      ...(this.header ? { header: this.header } : {}),
    };
  }
}

/** Reads word2vec / GloVe text vectors from text or UTF-8 bytes (see {@link TextVectorsParser}). */
export function parseTextVectors(source: TextSource, options: TextVectorsOptions = {}): TextVectorsData {
  return parseLines(new TextVectorsParser(options), linesOf(source));
}
