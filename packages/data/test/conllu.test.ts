import { describe, expect, it } from 'vitest';
import { parseConllu } from '../src';
import { formatError } from './helpers';

const row = (id: string, form: string, upos = 'NOUN', xpos = 'NN') =>
  [id, form, form.toLowerCase(), upos, xpos, '_', '0', 'root', '_', '_'].join('\t');

const SAMPLE = [
  '# sent_id = s1',
  "# text = I won't go",
  row('1', 'I', 'PRON', 'PRP'),
  "2-3\twon't\t_\t_\t_\t_\t_\t_\t_\t_",
  row('2', 'wo', 'AUX', 'MD'),
  row('3', "n't", 'PART', 'RB'),
  row('4', 'go', 'VERB', 'VB'),
  row('4.1', 'went', 'VERB', 'VBD'),
  '',
  '# sent_id = s2',
  row('1', 'Yes', 'INTJ', 'UH'),
  '',
].join('\n');

describe('CoNLL-U reader', () => {
  it('keeps syntactic words only: comments, multiword ranges and empty nodes are left out', () => {
    const d = parseConllu(SAMPLE, { file: 'x.conllu' });
    expect(d.sentences).toEqual([
      {
        forms: ['I', 'wo', "n't", 'go'],
        upos: ['PRON', 'AUX', 'PART', 'VERB'],
        xpos: ['PRP', 'MD', 'RB', 'VB'],
        sentId: 's1',
        text: "I won't go",
        line: 1,
      },
      { forms: ['Yes'], upos: ['INTJ'], xpos: ['UH'], sentId: 's2', line: 10 },
    ]);
    expect(d.report).toMatchObject({ lines: 11, records: 2, skipped: 0 });
  });

  it('accepts a last sentence without the final blank line', () => {
    expect(parseConllu(`${row('1', 'A')}\n${row('2', 'B')}`).sentences[0].forms).toEqual(['A', 'B']);
  });

  it('names the line of each problem', () => {
    const cases: [string, string][] = [
      [`${row('1', 'A')}\n1\tB\tb\n`, 'c:2: expected 10 tab-separated columns, got 3: "1\\tB\\tb"'],
      [`${row('1', 'A')}\n${row('3', 'B')}\n`, 'c:2: expected word ID 2, got "3"'],
      [`${row('1', 'A', 'NOUNISH')}\n`, 'c:1: expected one of the 17 UPOS tags (column 4), got "NOUNISH"'],
      [`${row('1', 'A', '_')}\n`, 'c:1: expected a UPOS tag (column 4), got "_"'],
      [`${row('x', 'A')}\n`, 'c:1: expected an ID (column 1) like 7, 7-8 or 7.1, got "x"'],
      [`${row('1', 'A')}\n${row('3-4', 'B')}\n`, 'c:2: expected a multiword range 2-m with m > 2, got "3-4"'],
      [
        `${row('1-2', 'AB')}\n${row('1', 'A')}\n\n`,
        'c:3: expected words up to 2 for the multiword token on line 1, got the end of the sentence after word 1',
      ],
      [`${row('1', 'A')}\n${row('3.1', 'B')}\n`, 'c:2: expected an empty node 1.k after word 1, got "3.1"'],
      [
        `${row('1', 'A')}\n# late\n`,
        'c:2: expected a token line or a blank line inside a sentence, got a comment "# late"',
      ],
      [
        '# only a comment\n\n',
        "c:2: expected the sentence's token lines after its comments, got the end of the sentence",
      ],
      [`${row('1', 'A')}\n \n`, 'c:2: expected a blank line to be empty, got whitespace " "'],
      ['', 'c:1: expected at least one sentence, got an empty file'],
      ['\n\n', 'c:2: expected at least one sentence, got none'],
    ];
    for (const [input, message] of cases) {
      expect(formatError(() => parseConllu(input, { file: 'c' })).message).toBe(message);
    }
  });

  it('with skipInvalid skips a bad sentence as a whole, once', () => {
    const input = [
      row('1', 'A'),
      '',
      row('1', 'B'),
      row('5', 'C'),
      row('x', 'D'),
      '',
      row('1', 'E'),
      '',
    ].join('\n');
    const d = parseConllu(input, { file: 'c', skipInvalid: true });
    expect(d.sentences.map((s) => s.forms)).toEqual([['A'], ['E']]);
    expect(d.report.skipped).toBe(1);
    expect(d.report.issues[0].line).toBe(4);
  });

  it('allows any UPOS with validateUpos: false', () => {
    expect(parseConllu(`${row('1', 'A', 'XYZ')}\n`, { validateUpos: false }).sentences[0].upos).toEqual([
      'XYZ',
    ]);
  });
});
