import { ValueError } from '@rnn/tensor';

/** Shift/reduce transitions of a binary parse, as SPINN uses them. */
export const SHIFT = 0;
/** Combine the top two stack items. */
export const REDUCE = 1;

/** Tokens and transitions of a binary bracketing. */
export interface BinaryParse {
  tokens: string[];
  /** {@link SHIFT} per token, {@link REDUCE} per closing bracket, in reading order. */
  transitions: number[];
}

/** What is wrong with a parse or a transition sequence, or null when nothing is. */
export type ParseProblem = string | null;

/**
 * Reads a binary bracketing such as `( ( Two women ) ( are ( embracing . ) ) )`: words become tokens
 * and SHIFTs, `)` becomes a REDUCE, `(` is structure only (SPINN's convention). Returns the problem
 * as a string for unbalanced brackets, empty input or a result that is not a valid binary tree
 * (see {@link checkTransitions}).
 */
export function parseBinaryBracketing(parse: string): BinaryParse | string {
  const tokens: string[] = [];
  const transitions: number[] = [];
  let depth = 0;
  let pos = 0;
  for (const piece of parse.split(/\s+/)) {
    if (piece.length === 0) continue;
    pos++;
    if (piece === '(') {
      depth++;
    } else if (piece === ')') {
      if (depth === 0) return `expected balanced brackets, got an unmatched ")" at item ${pos}`;
      depth--;
      transitions.push(REDUCE);
    } else {
      tokens.push(piece);
      transitions.push(SHIFT);
    }
  }
  if (depth > 0) return `expected balanced brackets, got ${depth} unclosed "("`;
  if (tokens.length === 0) return 'expected at least one word, got none';
  const problem = checkTransitions(transitions);
  if (problem) return problem;
  return { tokens, transitions };
}

/**
 * Checks that a transition sequence builds one binary tree: `2n − 1` steps for `n` SHIFTs, no
 * REDUCE with fewer than two items on the stack, one item left at the end.
 */
export function checkTransitions(transitions: ArrayLike<number>): ParseProblem {
  let stack = 0;
  let shifts = 0;
  for (let i = 0; i < transitions.length; i++) {
    const t = transitions[i];
    if (t === SHIFT) {
      stack++;
      shifts++;
    } else if (t === REDUCE) {
      if (stack < 2) return `expected a REDUCE to find two items on the stack, got ${stack} at step ${i + 1}`;
      stack--;
    } else {
      return `expected SHIFT (0) or REDUCE (1), got ${t} at step ${i + 1}`;
    }
  }
  if (shifts === 0) return 'expected at least one SHIFT, got none';
  if (transitions.length !== 2 * shifts - 1) {
    return `expected 2n − 1 = ${2 * shifts - 1} transitions for n = ${shifts} words, got ${transitions.length}`;
  }
  if (stack !== 1) return `expected one tree on the stack at the end, got ${stack}`;
  return null;
}

/**
 * The binary bracketing built by a transition sequence over `tokens`, in the format of SNLI's
 * `*_binary_parse` fields: `( left right )` per REDUCE, words as they are, single spaces. The inverse
 * of {@link parseBinaryBracketing}: `formatBinaryBracketing(p.tokens, p.transitions)` rebuilds the
 * parse `p` was read from (up to whitespace). Throws a `ValueError` for an invalid sequence (see
 * {@link checkTransitions}) or a token count that does not match.
 */
export function formatBinaryBracketing(tokens: readonly string[], transitions: ArrayLike<number>): string {
  const problem = checkTransitions(transitions);
  if (problem) throw new ValueError(`formatBinaryBracketing: ${problem}`);
  const stack: string[] = [];
  let next = 0;
  for (let i = 0; i < transitions.length; i++) {
    if (transitions[i] === SHIFT) {
      if (next >= tokens.length) {
        throw new ValueError(
          `formatBinaryBracketing: the transitions shift more words than the ${tokens.length} given`,
        );
      }
      stack.push(tokens[next++]);
    } else {
      const right = stack.pop()!;
      const left = stack.pop()!;
      stack.push(`( ${left} ${right} )`);
    }
  }
  if (next !== tokens.length) {
    throw new ValueError(
      `formatBinaryBracketing: the transitions shift ${next} words, ${tokens.length} were given`,
    );
  }
  return stack[0];
}
