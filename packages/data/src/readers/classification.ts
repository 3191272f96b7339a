import { ValueError } from '@rnn/tensor';
import { quote } from '../errors';
import { type DataReport, IssueSink, type ReadOptions } from '../report';
import { type Line, type LineParser, linesOf, parseLines, type TextSource } from '../text/lines';
import { type Tokenizer, whitespaceTokenizer } from '../text/tokenizers';
import type { Vocab } from '../text/vocab';
import { controlCharDetail, lineText } from './common';

/** Options of the `text<TAB>label` reader. */
export interface ClassificationOptions extends ReadOptions {
  /** The class names; a label must name one of them (by index or by name, see `labelFormat`). */
  classes: readonly string[];
  /**
   * `'index'` (default): the label column is an integer index into `classes` (THUCNews).
   * `'name'`: it is the class name itself.
   */
  labelFormat?: 'index' | 'name';
  /** Splits the text; whitespace by default (use `charTokenizer()` for Chinese). */
  tokenizer?: Tokenizer;
  /** Encode while reading (unknown tokens map to the unk token; without one they are an error on that line). */
  vocab?: Vocab;
  /**
   * Keep each example's `tokens` (default true). With a `vocab`, `false` keeps only the ids and
   * saves memory and time on large files.
   */
  keepTokens?: boolean;
}

/** One labelled text. */
export interface ClassificationExample {
  text: string;
  /** The tokens (empty when read with `keepTokens: false`). */
  tokens: string[];
  /** Ids of the tokens, when a vocabulary was given. */
  ids?: Int32Array;
  /** Class index into `classes`. */
  label: number;
  /** Line in the file. */
  line: number;
}

/** The examples of a classification file. */
export interface ClassificationData {
  examples: ClassificationExample[];
  classes: readonly string[];
  report: DataReport;
}

/** The `text<TAB>label` reader as a line parser (for streaming sources). */
export class ClassificationParser implements LineParser<ClassificationData> {
  private readonly sink: IssueSink;
  private readonly classes: readonly string[];
  private readonly byName: Map<string, number>;
  private readonly byIndex: boolean;
  private readonly tokenize: Tokenizer;
  private readonly vocab: Vocab | undefined;
  private readonly examples: ClassificationExample[] = [];
  private readonly labelHint: string;
  private readonly keepTokens: boolean;

  constructor(options: ClassificationOptions) {
    if (!Array.isArray(options?.classes) || options.classes.length === 0) {
      throw new ValueError('ClassificationParser: options.classes must be a non-empty array of class names');
    }
    const format = options.labelFormat ?? 'index';
    if (format !== 'index' && format !== 'name') {
      throw new ValueError(
        `ClassificationParser: labelFormat must be 'index' or 'name', got ${JSON.stringify(format)}`,
      );
    }
    this.sink = new IssueSink(options.file ?? '<input>', options.skipInvalid);
    this.classes = [...options.classes];
    this.byName = new Map(this.classes.map((c, i) => [c, i]));
    this.byIndex = format === 'index';
    this.tokenize = options.tokenizer ?? whitespaceTokenizer();
    this.vocab = options.vocab;
    this.keepTokens = options.keepTokens ?? true;
    this.labelHint = this.byIndex
      ? `a class index 0–${this.classes.length - 1}`
      : `one of the ${this.classes.length} class names (${this.classes
          .slice(0, 5)
          .map((c) => quote(c, 20))
          .join(', ')}${this.classes.length > 5 ? ', …' : ''})`;
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
    const tab = text.indexOf('\t');
    if (tab < 0 || text.indexOf('\t', tab + 1) >= 0) {
      const fields = text.length === 0 ? 0 : text.split('\t').length;
      return `expected 2 tab-separated fields (text, label), got ${fields === 0 ? 'an empty line' : `${fields} field${fields === 1 ? '' : 's'}: ${quote(text)}`}`;
    }
    const body = text.slice(0, tab);
    const rawLabel = text.slice(tab + 1);
    const control = controlCharDetail(text);
    if (control) return control;
    if (body.trim().length === 0) return 'expected a non-empty text before the tab, got none';
    let label: number | undefined;
    if (this.byIndex) {
      if (/^\d+$/.test(rawLabel)) {
        const k = Number(rawLabel);
        if (k < this.classes.length) label = k;
      }
    } else {
      label = this.byName.get(rawLabel);
    }
    if (label === undefined) return `expected ${this.labelHint} as label, got ${quote(rawLabel)}`;
    const tokens = this.tokenize(body);
    const ex: ClassificationExample = {
      text: body,
      tokens: this.keepTokens ? tokens : [],
      label,
      line: l.line,
    };
    if (this.vocab) {
      const v = this.vocab;
      const ids = new Int32Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) {
        const id = v.lookup(tokens[i]) ?? v.unkId;
        if (id < 0) {
          return `expected tokens of the vocabulary (${v.size} types, no unk token), got ${quote(tokens[i])}`;
        }
        ids[i] = id;
      }
      ex.ids = ids;
    }
    this.examples.push(ex);
    sink.report.records++;
    return null;
  }

  /** Ends the input and returns what was read (see {@link LineParser.finish}). */
  finish(): ClassificationData {
    this.sink.requireContent('labelled line');
    return { examples: this.examples, classes: this.classes, report: this.sink.report };
  }
}

/** Reads `text<TAB>label` lines from text or UTF-8 bytes (see {@link ClassificationParser}). */
export function parseClassification(source: TextSource, options: ClassificationOptions): ClassificationData {
  return parseLines(new ClassificationParser(options), linesOf(source));
}

/**
 * Reads a class list: one non-empty, distinct name per line (THUCNews `class.txt`; a missing final
 * newline is fine). Problems are `DataFormatError`s with the line.
 */
export function parseClassList(source: TextSource, options: { file?: string } = {}): string[] {
  const sink = new IssueSink(options.file ?? '<input>');
  const classes: string[] = [];
  const seen = new Map<string, number>();
  for (const l of linesOf(source)) {
    sink.report.lines = l.line;
    const text = lineText(l, (n, d) => sink.invalid(n, d));
    if (text === null) continue;
    const name = text.trim();
    if (name.length === 0) sink.invalid(l.line, 'expected a class name, got an empty line');
    else if (seen.has(name)) {
      sink.invalid(
        l.line,
        `expected distinct class names, got ${quote(name)} again (first on line ${seen.get(name)})`,
      );
    } else {
      seen.set(name, l.line);
      classes.push(name);
      sink.report.records++;
    }
  }
  sink.requireContent('class name');
  return classes;
}

/**
 * Pads with `padId` or truncates to exactly `padSize` ids (keeping the start, as the THUCNews
 * baseline does). Returns the ids and the length before padding (at most `padSize`).
 */
export function padOrTruncate(
  ids: ArrayLike<number>,
  padSize: number,
  padId = 0,
): { ids: Int32Array; length: number } {
  if (!Number.isInteger(padSize) || padSize < 1) {
    throw new ValueError(`padOrTruncate: padSize must be a positive integer, got ${padSize}`);
  }
  const out = new Int32Array(padSize);
  const length = Math.min(ids.length, padSize);
  for (let i = 0; i < length; i++) out[i] = ids[i];
  if (padId !== 0) out.fill(padId, length);
  return { ids: out, length };
}
