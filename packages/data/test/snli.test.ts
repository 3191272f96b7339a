import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTransitions,
  formatBinaryBracketing,
  parseBinaryBracketing,
  parseSnli,
  REDUCE,
  SHIFT,
} from '../src';
import { formatError } from './helpers';

const record = (label: string, p1: string, p2: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    gold_label: label,
    sentence1_binary_parse: p1,
    sentence2_binary_parse: p2,
    pairID: 'p',
    ...extra,
  });

type Tree = string | [Tree, Tree];
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'dog', 'runs', '.'),
    fc.tuple(tie('t'), tie('t')),
  ),
})).t;
const bracket = (t: Tree): string => (typeof t === 'string' ? t : `( ${bracket(t[0])} ${bracket(t[1])} )`);
const leaves = (t: Tree): string[] => (typeof t === 'string' ? [t] : [...leaves(t[0]), ...leaves(t[1])]);
/** Post-order: a leaf is SHIFT, a node is its children then REDUCE. */
const postOrder = (t: Tree): number[] =>
  typeof t === 'string' ? [SHIFT] : [...postOrder(t[0]), ...postOrder(t[1]), REDUCE];

describe('binary parses and transitions', () => {
  it('derives SPINN transitions from brackets', () => {
    expect(parseBinaryBracketing('( ( Two women ) ( are ( embracing . ) ) )')).toEqual({
      tokens: ['Two', 'women', 'are', 'embracing', '.'],
      transitions: [0, 0, 1, 0, 0, 0, 1, 1, 1],
    });
    expect(parseBinaryBracketing('Hi')).toEqual({ tokens: ['Hi'], transitions: [SHIFT] });
  });

  it('gives the post-order of any binary tree, always valid (property)', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const p = parseBinaryBracketing(bracket(t));
        if (typeof p === 'string') throw new Error(p);
        expect(p.tokens).toEqual(leaves(t));
        expect(p.transitions).toEqual(postOrder(t));
        expect(p.transitions.length).toBe(2 * p.tokens.length - 1);
        expect(checkTransitions(p.transitions)).toBeNull();
      }),
    );
  });

  it('formatBinaryBracketing rebuilds the parse the transitions were read from (property)', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const p = parseBinaryBracketing(bracket(t));
        if (typeof p === 'string') throw new Error(p);
        expect(formatBinaryBracketing(p.tokens, p.transitions)).toBe(bracket(t));
      }),
    );
    const snli = '( ( Two women ) ( ( are ( embracing ( while ( holding ( to ( go packages ) ) ) ) ) ) . ) )';
    const p = parseBinaryBracketing(snli) as { tokens: string[]; transitions: number[] };
    expect(formatBinaryBracketing(p.tokens, p.transitions)).toBe(snli);
    expect(formatBinaryBracketing(['a', 'b', 'c'], [SHIFT, SHIFT, SHIFT, REDUCE, REDUCE])).toBe(
      '( a ( b c ) )',
    );
    expect(() => formatBinaryBracketing(['a', 'b'], [SHIFT, REDUCE])).toThrow(
      'formatBinaryBracketing: expected a REDUCE to find two items on the stack',
    );
    expect(() => formatBinaryBracketing(['a'], [SHIFT, SHIFT, REDUCE])).toThrow(
      'shift more words than the 1 given',
    );
  });

  it('checkTransitions agrees with a stack simulation on random sequences (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(SHIFT, REDUCE), { maxLength: 15 }), (ts) => {
        let stack = 0;
        let ok = true;
        for (const t of ts) {
          if (t === SHIFT) stack++;
          else if (stack < 2) ok = false;
          else stack--;
        }
        ok = ok && stack === 1;
        expect(checkTransitions(ts) === null).toBe(ok);
      }),
    );
  });

  it('reports unbalanced and non-binary brackets', () => {
    expect(parseBinaryBracketing('( a b ) )')).toBe(
      'expected balanced brackets, got an unmatched ")" at item 5',
    );
    expect(parseBinaryBracketing('( ( a b )')).toBe('expected balanced brackets, got 1 unclosed "("');
    expect(parseBinaryBracketing('( a )')).toBe(
      'expected a REDUCE to find two items on the stack, got 1 at step 2',
    );
    expect(parseBinaryBracketing('( a b c )')).toBe('expected 2n − 1 = 5 transitions for n = 3 words, got 4');
    expect(parseBinaryBracketing('( )')).toBe('expected at least one word, got none');
  });
});

describe('SNLI reader', () => {
  it('reads tokens, transitions and labels, dropping "-" pairs and counting them', () => {
    const text = [
      record('neutral', '( ( Two women ) ( are here ) )', '( Women here )'),
      record('-', '( a b )', '( c d )'),
      record('contradiction', '( A B )', 'C'),
    ].join('\n');
    const d = parseSnli(text, { file: 'dev.jsonl', lowercase: true });
    expect(d.noGoldLabel).toBe(1);
    expect(d.pairs.map((p) => [p.label, p.labelId, p.line])).toEqual([
      ['neutral', 1, 1],
      ['contradiction', 2, 3],
    ]);
    expect(d.pairs[0]).toMatchObject({
      premise: ['two', 'women', 'are', 'here'],
      hypothesis: ['women', 'here'],
      premiseTransitions: [0, 0, 1, 0, 0, 1, 1],
      hypothesisTransitions: [0, 0, 1],
    });
  });

  it('names the line and the problem for bad records', () => {
    const good = record('entailment', '( a b )', '( c d )');
    const cases: [string, RegExp | string][] = [
      [`${good}\n${good.slice(0, 40)}\n`, /^s:2: expected a JSON object, got truncated JSON \(/],
      [`${good}\n[1, 2]\n`, 's:2: expected a JSON object, got an array'],
      [
        record('maybe', '( a b )', '( c d )'),
        's:1: expected "gold_label" to be entailment, neutral, contradiction or -, got "maybe"',
      ],
      [
        JSON.stringify({ gold_label: 'neutral', sentence2_binary_parse: 'a' }),
        's:1: expected "sentence1_binary_parse" to be a string, got nothing',
      ],
      [
        record('neutral', '( ( a b )', 'c'),
        's:1: "sentence1_binary_parse": expected balanced brackets, got 1 unclosed "(" in "( ( a b )"',
      ],
      [
        record('neutral', 'a', '( c )'),
        /^s:1: "sentence2_binary_parse": expected a REDUCE to find two items/,
      ],
      ['', 's:1: expected at least one JSON line, got an empty file'],
      [`${good}\n\n`, 's:2: expected a JSON object, got an empty line'],
    ];
    for (const [input, message] of cases) {
      const e = formatError(() => parseSnli(input, { file: 's' }));
      if (typeof message === 'string') expect(e.message).toBe(message);
      else expect(e.message).toMatch(message);
    }
  });

  it('skipInvalid skips and counts', () => {
    const good = record('entailment', '( a b )', '( c d )');
    const d = parseSnli(`${good}\n{"gold_label": \n${good}\n`, { file: 's', skipInvalid: true });
    expect(d.pairs.length).toBe(2);
    expect(d.report).toMatchObject({ records: 2, skipped: 1 });
  });
});
