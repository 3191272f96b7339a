import { parseBinaryBracketing } from '@rnn/data';

/**
 * Splits raw text into Penn-Treebank-like tokens, as SNLI's parses have them: punctuation on its own
 * (`dog.` → `dog .`), clitics split off (`don't` → `do n't`, `dog's` → `dog 's`).
 */
export function tokenize(text: string): string[] {
  return text
    .replace(/([^\s\w'-]|\.(?=\s|$))/gu, ' $1 ')
    .replace(/(\w)(n't)\b/giu, '$1 $2')
    .replace(/(\w)('(?:s|re|ve|ll|d|m))\b/giu, '$1 $2')
    .split(/\s+/u)
    .filter((t) => t.length > 0);
}

/** A sentence to classify: its tokens, and its transitions when it was given as a binary parse. */
export interface InputSentence {
  tokens: string[];
  transitions?: number[];
}

/**
 * Reads one side of a `premise<TAB>hypothesis` line: plain text is tokenized; text in brackets
 * (`( ( a dog ) runs )`, SNLI's binary-parse format) gives its tree as well.
 */
export function readSentence(text: string, lowercase: boolean): InputSentence {
  const trimmed = text.trim();
  if (trimmed.startsWith('(')) {
    const parse = parseBinaryBracketing(trimmed);
    if (typeof parse !== 'string') {
      const tokens = lowercase ? parse.tokens.map((t) => t.toLowerCase()) : parse.tokens;
      return { tokens, transitions: parse.transitions };
    }
  }
  const tokens = tokenize(trimmed);
  return { tokens: lowercase ? tokens.map((t) => t.toLowerCase()) : tokens };
}
