import { ValueError } from '@rnn/tensor';

/** Splits a text into tokens. */
export type Tokenizer = (text: string) => string[];

/** Options shared by the tokenizers. */
export interface TokenizerOptions {
  /** Lower-case the text first (`toLowerCase()`, locale-independent). Default false. */
  lowercase?: boolean;
}

/** Splits on runs of whitespace (`/\s+/`) and drops empty tokens, as Python's `str.split()`. */
export function whitespaceTokenizer(options: TokenizerOptions = {}): Tokenizer {
  const lower = options.lowercase ?? false;
  return (text) => {
    const s = lower ? text.toLowerCase() : text;
    const out: string[] = [];
    for (const t of s.split(/\s+/)) if (t.length > 0) out.push(t);
    return out;
  };
}

/** Options of {@link regexTokenizer}. */
export interface RegexTokenizerOptions extends TokenizerOptions {
  /**
   * `'match'` (default): the tokens are the matches of the pattern. `'split'`: the pattern matches
   * the separators and the tokens are what lies between them (empty pieces dropped).
   */
  mode?: 'match' | 'split';
}

/**
 * Tokens from a regular expression, e.g. `regexTokenizer(/\w+|[^\w\s]/u)` for words and single
 * punctuation marks. The pattern's flags are kept; `g` is added.
 */
export function regexTokenizer(pattern: RegExp | string, options: RegexTokenizerOptions = {}): Tokenizer {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? 'u' : pattern.flags;
  const mode = options.mode ?? 'match';
  if (mode !== 'match' && mode !== 'split') {
    throw new ValueError(`regexTokenizer: mode must be 'match' or 'split', got ${JSON.stringify(mode)}`);
  }
  const re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
  if (re.test('') && mode === 'match') {
    throw new ValueError(`regexTokenizer: the pattern /${source}/ matches the empty string; it must not`);
  }
  const lower = options.lowercase ?? false;
  return (text) => {
    const s = lower ? text.toLowerCase() : text;
    if (mode === 'split') return s.split(re).filter((t) => t !== undefined && t.length > 0);
    re.lastIndex = 0;
    return s.match(re) ?? [];
  };
}

/** Options of {@link charTokenizer}. */
export interface CharTokenizerOptions extends TokenizerOptions {
  /** Drop whitespace characters. Default false: a space is a token, as in the THUCNews vocabulary. */
  skipWhitespace?: boolean;
}

/**
 * One token per Unicode code point (not per UTF-16 unit, so characters outside the BMP stay whole):
 * the tokenizer for Chinese headlines.
 */
export function charTokenizer(options: CharTokenizerOptions = {}): Tokenizer {
  const lower = options.lowercase ?? false;
  const skip = options.skipWhitespace ?? false;
  return (text) => {
    const s = lower ? text.toLowerCase() : text;
    const out: string[] = [];
    for (const ch of s) {
      if (skip && /\s/u.test(ch)) continue;
      out.push(ch);
    }
    return out;
  };
}
