import { quote } from '../errors';
import { type DataReport, IssueSink, type ReadOptions } from '../report';
import { type Line, type LineParser, linesOf, parseLines, type TextSource } from '../text/lines';
import { lineText } from './common';

/** The 17 Universal POS tags of UD v2. */
export const UPOS_TAGS: readonly string[] = [
  'ADJ',
  'ADP',
  'ADV',
  'AUX',
  'CCONJ',
  'DET',
  'INTJ',
  'NOUN',
  'NUM',
  'PART',
  'PRON',
  'PROPN',
  'PUNCT',
  'SCONJ',
  'SYM',
  'VERB',
  'X',
];
const UPOS_SET = new Set(UPOS_TAGS);

/** Options of the CoNLL-U reader. */
export interface ConlluOptions extends ReadOptions {
  /** Require UPOS to be one of {@link UPOS_TAGS} (default true). */
  validateUpos?: boolean;
}

/** A sentence's syntactic words (multiword-token ranges and empty nodes left out). */
export interface ConlluSentence {
  forms: string[];
  upos: string[];
  xpos: string[];
  /** From the `# sent_id = …` comment, if any. */
  sentId?: string;
  /** From the `# text = …` comment, if any. */
  text?: string;
  /** First line of the sentence (its first comment or token line). */
  line: number;
}

/** The sentences of a CoNLL-U file. */
export interface ConlluData {
  sentences: ConlluSentence[];
  report: DataReport;
}

const WORD_ID = /^[1-9]\d*$/;
const RANGE_ID = /^([1-9]\d*)-([1-9]\d*)$/;
const EMPTY_ID = /^(0|[1-9]\d*)\.([1-9]\d*)$/;

/**
 * The CoNLL-U reader as a line parser. A sentence is comment lines (`# …`), then token lines of 10
 * tab-separated columns, then a blank line. Word lines (ID `n`) give form, UPOS and XPOS, and must
 * count 1, 2, 3, …; multiword-token lines (ID `n-m`, the surface token of words n..m) and empty
 * nodes (ID `n.k`) are checked and left out, as a tagger wants. With `skipInvalid`, a sentence with
 * any bad line is skipped as a whole (one skip per sentence).
 */
export class ConlluParser implements LineParser<ConlluData> {
  private readonly sink: IssueSink;
  private readonly validateUpos: boolean;
  private readonly sentences: ConlluSentence[] = [];
  private cur: ConlluSentence | null = null;
  private tokensSeen = false;
  private bad = false;
  /** Last word id covered by a multiword range still open. */
  private rangeEnd = 0;
  private rangeLine = 0;

  constructor(options: ConlluOptions = {}) {
    this.sink = new IssueSink(options.file ?? '<input>', options.skipInvalid);
    this.validateUpos = options.validateUpos ?? true;
  }

  private fail(line: number, detail: string): void {
    this.sink.invalid(line, detail);
    this.bad = true;
  }

  private start(line: number): ConlluSentence {
    if (!this.cur) this.cur = { forms: [], upos: [], xpos: [], line };
    return this.cur;
  }

  private end(line: number): void {
    const s = this.cur;
    if (!s) return;
    if (!this.bad) {
      if (!this.tokensSeen) {
        this.fail(
          line,
          "expected the sentence's token lines after its comments, got the end of the sentence",
        );
      } else if (this.rangeEnd > s.forms.length) {
        this.fail(
          line,
          `expected words up to ${this.rangeEnd} for the multiword token on line ${this.rangeLine}, got the end of the sentence after word ${s.forms.length}`,
        );
      }
    }
    if (!this.bad) {
      this.sentences.push(s);
      this.sink.report.records++;
    }
    this.cur = null;
    this.tokensSeen = false;
    this.bad = false;
    this.rangeEnd = 0;
    this.rangeLine = 0;
  }

  /** Reads the next line (see {@link LineParser.push}). */
  push(l: Line): void {
    const problem = this.read(l);
    if (problem !== null) this.fail(l.line, problem);
  }

  /** Reads one line; returns what is wrong with it, or null. */
  private read(l: Line): string | null {
    this.sink.report.lines = l.line;
    if (l.text !== null && l.text.trim().length === 0) {
      if (l.text.length > 0) {
        this.start(l.line);
        if (!this.bad)
          this.fail(l.line, `expected a blank line to be empty, got whitespace ${quote(l.text)}`);
      }
      this.end(l.line);
      return null;
    }
    const s = this.start(l.line);
    if (this.bad) return null; // the rest of a skipped sentence
    const text = lineText(l, (n, d) => this.fail(n, d));
    if (text === null) return null;
    if (text.startsWith('#')) {
      if (this.tokensSeen) {
        return `expected a token line or a blank line inside a sentence, got a comment ${quote(text)}`;
      }
      const m = /^#\s*(sent_id|text)\s*=\s?(.*)$/.exec(text);
      if (m) {
        if (m[1] === 'sent_id') s.sentId = m[2];
        else s.text = m[2];
      }
      return null;
    }
    const cols = text.split('\t');
    if (cols.length !== 10) {
      return `expected 10 tab-separated columns, got ${cols.length}: ${quote(text)}`;
    }
    this.tokensSeen = true;
    const id = cols[0];
    const next = s.forms.length + 1;
    if (WORD_ID.test(id)) {
      const n = Number(id);
      if (n !== next) return `expected word ID ${next}, got ${quote(id)}`;
      const form = cols[1];
      const upos = cols[3];
      if (form.length === 0) return 'expected a non-empty FORM (column 2), got an empty one';
      if (upos.length === 0 || upos === '_') {
        return `expected a UPOS tag (column 4), got ${quote(upos)}`;
      }
      if (this.validateUpos && !UPOS_SET.has(upos)) {
        return `expected one of the 17 UPOS tags (column 4), got ${quote(upos)}`;
      }
      if (cols[4].length === 0) return 'expected an XPOS (column 5) or "_", got an empty one';
      s.forms.push(form);
      s.upos.push(upos);
      s.xpos.push(cols[4]);
      return null;
    }
    const range = RANGE_ID.exec(id);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (a !== next || b <= a) {
        return `expected a multiword range ${next}-m with m > ${next}, got ${quote(id)}`;
      }
      if (this.rangeEnd > s.forms.length) {
        return `expected the words of the multiword token on line ${this.rangeLine}, got another range ${quote(id)}`;
      }
      this.rangeEnd = b;
      this.rangeLine = l.line;
      return null;
    }
    const empty = EMPTY_ID.exec(id);
    if (empty) {
      if (Number(empty[1]) !== s.forms.length) {
        return `expected an empty node ${s.forms.length}.k after word ${s.forms.length}, got ${quote(id)}`;
      }
      return null;
    }
    this.fail(l.line, `expected an ID (column 1) like 7, 7-8 or 7.1, got ${quote(id)}`);
    return null;
  }

  /** Ends the input and returns what was read (see {@link LineParser.finish}). */
  finish(): ConlluData {
    this.end(this.sink.report.lines);
    this.sink.requireContent('sentence');
    return { sentences: this.sentences, report: this.sink.report };
  }
}

/** Reads CoNLL-U from text or UTF-8 bytes (see {@link ConlluParser}). */
export function parseConllu(source: TextSource, options: ConlluOptions = {}): ConlluData {
  return parseLines(new ConlluParser(options), linesOf(source));
}
