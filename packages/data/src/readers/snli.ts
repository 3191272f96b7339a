import { quote } from '../errors';
import { type DataReport, IssueSink, type ReadOptions } from '../report';
import { type Line, type LineParser, linesOf, parseLines, type TextSource } from '../text/lines';
import { lineText } from './common';
import { parseBinaryBracketing } from './transitions';

/** SNLI's three labels, in the order of their class ids. */
export const SNLI_LABELS = ['entailment', 'neutral', 'contradiction'] as const;
/** An SNLI label. */
export type SnliLabel = (typeof SNLI_LABELS)[number];

/** Options of the SNLI reader. */
export interface SnliOptions extends ReadOptions {
  /** Lower-case the tokens (default false). */
  lowercase?: boolean;
}

/** One labelled premise/hypothesis pair. */
export interface SnliPair {
  premise: string[];
  hypothesis: string[];
  /** SHIFT (0) / REDUCE (1) sequence of the premise's binary parse. */
  premiseTransitions: number[];
  hypothesisTransitions: number[];
  label: SnliLabel;
  /** Index of the label in {@link SNLI_LABELS}. */
  labelId: number;
  pairId: string;
  line: number;
}

/** The pairs of an SNLI file; `noGoldLabel` counts the `-` pairs left out (by convention, not as errors). */
export interface SnliData {
  pairs: SnliPair[];
  noGoldLabel: number;
  report: DataReport;
}

const LABEL_ID = new Map<string, number>(SNLI_LABELS.map((l, i) => [l, i]));

/**
 * The SNLI jsonl reader as a line parser: one JSON object per line with `gold_label`,
 * `sentence1_binary_parse`, `sentence2_binary_parse` (and `pairID`). Tokens and transitions come
 * from the binary parses and each transition sequence is checked (2n − 1 steps, never a REDUCE with
 * fewer than two on the stack). Pairs labelled `-` (no annotator consensus) are dropped and counted.
 */
export class SnliParser implements LineParser<SnliData> {
  private readonly sink: IssueSink;
  private readonly lowercase: boolean;
  private readonly pairs: SnliPair[] = [];
  private noGold = 0;

  constructor(options: SnliOptions = {}) {
    this.sink = new IssueSink(options.file ?? '<input>', options.skipInvalid);
    this.lowercase = options.lowercase ?? false;
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
    if (text.trim().length === 0) return 'expected a JSON object, got an empty line';
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const truncated = /end of (JSON )?input|Unterminated/i.test(msg);
      return `expected a JSON object, got ${truncated ? 'truncated JSON' : 'invalid JSON'} (${msg})`;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `expected a JSON object, got ${Array.isArray(value) ? 'an array' : quote(text)}`;
    }
    const rec = value as Record<string, unknown>;
    const gold = rec.gold_label;
    if (typeof gold !== 'string') {
      return `expected "gold_label" to be a string, got ${JSON.stringify(gold) ?? 'nothing'}`;
    }
    const labelId = LABEL_ID.get(gold);
    if (labelId === undefined && gold !== '-') {
      return `expected "gold_label" to be entailment, neutral, contradiction or -, got ${quote(gold)}`;
    }
    const sides: { tokens: string[]; transitions: number[] }[] = [];
    for (const key of ['sentence1_binary_parse', 'sentence2_binary_parse']) {
      const p = rec[key];
      if (typeof p !== 'string') {
        return `expected "${key}" to be a string, got ${JSON.stringify(p) ?? 'nothing'}`;
      }
      const parsed = parseBinaryBracketing(p);
      if (typeof parsed === 'string') return `"${key}": ${parsed} in ${quote(p, 80)}`;
      if (this.lowercase) parsed.tokens = parsed.tokens.map((t) => t.toLowerCase());
      sides.push(parsed);
    }
    const pairId = rec.pairID;
    if (pairId !== undefined && typeof pairId !== 'string') {
      return `expected "pairID" to be a string, got ${JSON.stringify(pairId)}`;
    }
    if (labelId === undefined) {
      this.noGold++;
      return null;
    }
    this.pairs.push({
      premise: sides[0].tokens,
      hypothesis: sides[1].tokens,
      premiseTransitions: sides[0].transitions,
      hypothesisTransitions: sides[1].transitions,
      label: gold as SnliLabel,
      labelId,
      pairId: pairId ?? '',
      line: l.line,
    });
    sink.report.records++;
    return null;
  }

  /** Ends the input and returns what was read (see {@link LineParser.finish}). */
  finish(): SnliData {
    if (this.sink.report.lines === 0) this.sink.requireContent('JSON line');
    if (this.pairs.length === 0 && this.noGold === 0) this.sink.requireContent('JSON line');
    return { pairs: this.pairs, noGoldLabel: this.noGold, report: this.sink.report };
  }
}

/** Reads SNLI jsonl from text or UTF-8 bytes (see {@link SnliParser}). */
export function parseSnli(source: TextSource, options: SnliOptions = {}): SnliData {
  return parseLines(new SnliParser(options), linesOf(source));
}
