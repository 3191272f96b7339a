import { DataFormatError, quote } from '../errors';
import { type DataReport, IssueSink, type ReadOptions } from '../report';
import { type Line, type LineParser, linesOf, parseLines, type TextSource } from '../text/lines';
import { type Tokenizer, whitespaceTokenizer } from '../text/tokenizers';
import { EOS, type Vocab } from '../text/vocab';
import { controlCharDetail, lineText } from './common';

/** Options of the language-model corpus reader. */
export interface LmCorpusOptions extends ReadOptions {
  /** Splits a line into tokens; whitespace by default (as the PyTorch word-language-model example). */
  tokenizer?: Tokenizer;
  /** Token appended to every line; `'<eos>'` by default, `null` for none. */
  eos?: string | null;
  /**
   * Encode while reading. A token missing from the vocabulary maps to its unk token; a vocabulary
   * without one makes it an error on that line.
   */
  vocab?: Vocab;
}

/** A language-model corpus: one token stream, `<eos>` after each line. */
export interface LmCorpus {
  /** All tokens in order. */
  tokens: string[];
  /** Their ids, when a vocabulary was given. */
  ids?: Int32Array;
  report: DataReport;
}

/**
 * The language-model reader as a line parser (for streaming sources): each line becomes its tokens
 * plus `<eos>`. Blank lines give a lone `<eos>`, as in the PyTorch example.
 */
export class LmCorpusParser implements LineParser<LmCorpus> {
  private readonly sink: IssueSink;
  private readonly tokenize: Tokenizer;
  private readonly eos: string | null;
  private readonly vocab: Vocab | undefined;
  private readonly tokens: string[] = [];
  private ids: Int32Array;
  private nIds = 0;

  constructor(options: LmCorpusOptions = {}) {
    this.sink = new IssueSink(options.file ?? '<input>', options.skipInvalid);
    this.tokenize = options.tokenizer ?? whitespaceTokenizer();
    this.eos = options.eos === undefined ? EOS : options.eos;
    this.vocab = options.vocab;
    this.ids = new Int32Array(this.vocab ? 1024 : 0);
    if (this.vocab && this.eos !== null && !this.vocab.has(this.eos)) {
      throw new DataFormatError(
        this.sink.file,
        0,
        `expected the vocabulary to contain the end-of-sentence token ${quote(this.eos)}, got a vocabulary without it`,
      );
    }
  }

  /** Reads the next line (see {@link LineParser.push}). */
  push(l: Line): void {
    const problem = this.read(l);
    if (problem !== null) this.sink.invalid(l.line, problem);
  }

  /** Reads one line; returns what is wrong with it, or null. */
  private read(l: Line): string | null {
    const report = this.sink.report;
    report.lines = l.line;
    const text = lineText(l, (n, d) => this.sink.invalid(n, d));
    if (text === null) return null;
    const control = controlCharDetail(text);
    if (control) return control;
    const toks = this.tokenize(text);
    if (this.eos !== null) toks.push(this.eos);
    if (this.vocab) {
      const v = this.vocab;
      if (this.nIds + toks.length > this.ids.length) {
        const grown = new Int32Array(Math.max(this.ids.length * 2, this.nIds + toks.length));
        grown.set(this.ids.subarray(0, this.nIds));
        this.ids = grown;
      }
      for (let i = 0; i < toks.length; i++) {
        const id = v.lookup(toks[i]);
        if (id === undefined && v.unkId < 0) {
          return `expected tokens of the vocabulary (${v.size} types, no unk token), got ${quote(toks[i])}`;
        }
      }
      for (let i = 0; i < toks.length; i++) this.ids[this.nIds++] = v.lookup(toks[i]) ?? v.unkId;
    }
    for (const t of toks) this.tokens.push(t);
    report.records++;
    return null;
  }

  /** Ends the input and returns what was read (see {@link LineParser.finish}). */
  finish(): LmCorpus {
    this.sink.requireContent('line');
    const out: LmCorpus = { tokens: this.tokens, report: this.sink.report };
    if (this.vocab) out.ids = this.ids.slice(0, this.nIds);
    return out;
  }
}

/** Reads a language-model corpus from text or UTF-8 bytes (see {@link LmCorpusParser}). */
export function parseLmCorpus(source: TextSource, options: LmCorpusOptions = {}): LmCorpus {
  return parseLines(new LmCorpusParser(options), linesOf(source));
}
