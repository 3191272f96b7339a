import { describe, expect, it } from 'vitest';
import { charTokenizer, padOrTruncate, parseClassification, parseClassList, Vocab } from '../src';
import { formatError, utf8 } from './helpers';

const classes = ['finance', 'realty', 'stocks'];

describe('text<TAB>label reader', () => {
  it('reads headlines with index labels and a char tokenizer', () => {
    const d = parseClassification('中华女子学院\t2\n两天 价\t0\n', {
      classes,
      tokenizer: charTokenizer(),
      file: 't.txt',
    });
    expect(d.examples).toEqual([
      { text: '中华女子学院', tokens: ['中', '华', '女', '子', '学', '院'], label: 2, line: 1 },
      { text: '两天 价', tokens: ['两', '天', ' ', '价'], label: 0, line: 2 },
    ]);
    expect(d.report.records).toBe(2);
  });

  it('accepts class names with labelFormat name, and encodes with a vocabulary', () => {
    const v = Vocab.fromTokens(['<unk>', 'up', 'down']);
    const d = parseClassification('up up\tstocks\nsideways\trealty\n', {
      classes,
      labelFormat: 'name',
      vocab: v,
    });
    expect(d.examples.map((e) => [e.label, Array.from(e.ids!)])).toEqual([
      [2, [1, 1]],
      [1, [0]],
    ]);
  });

  it('names the line and what was expected for each kind of bad line', () => {
    const cases: [string, string][] = [
      [
        'ok\t1\nno tab here\n',
        't:2: expected 2 tab-separated fields (text, label), got 1 field: "no tab here"',
      ],
      ['a\t1\t2\n', 't:1: expected 2 tab-separated fields (text, label), got 3 fields: "a\\t1\\t2"'],
      ['ok\t1\n\n', 't:2: expected 2 tab-separated fields (text, label), got an empty line'],
      ['ok\t7\n', 't:1: expected a class index 0–2 as label, got "7"'],
      ['ok\t-1\n', 't:1: expected a class index 0–2 as label, got "-1"'],
      [' \t1\n', 't:1: expected a non-empty text before the tab, got none'],
      ['', 't:1: expected at least one labelled line, got an empty file'],
    ];
    for (const [input, message] of cases) {
      expect(formatError(() => parseClassification(input, { classes, file: 't' })).message).toBe(message);
    }
    const e = formatError(() =>
      parseClassification(new Uint8Array([...utf8('a\t1\n'), 0xc3, 0x28, 0x09, 0x31]), {
        classes,
        file: 't',
      }),
    );
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/^t:2: expected valid UTF-8, got invalid bytes 0xc3 0x28/);
  });

  it('skips and counts invalid lines with skipInvalid', () => {
    const d = parseClassification('a\t1\nb\t9\nc\n d\t0\n', { classes, file: 't', skipInvalid: true });
    expect(d.examples.map((e) => e.text)).toEqual(['a', ' d']);
    expect(d.report).toMatchObject({ lines: 4, records: 2, skipped: 2 });
    expect(d.report.issues.map((i) => i.line)).toEqual([2, 3]);
  });

  it('reads class lists and pads or truncates', () => {
    expect(parseClassList('finance\nrealty\nstocks')).toEqual(classes);
    expect(formatError(() => parseClassList('a\nb\na\n', { file: 'class.txt' })).message).toBe(
      'class.txt:3: expected distinct class names, got "a" again (first on line 1)',
    );
    expect(padOrTruncate([5, 6, 7], 5, 9)).toEqual({ ids: Int32Array.from([5, 6, 7, 9, 9]), length: 3 });
    expect(padOrTruncate([5, 6, 7], 2)).toEqual({ ids: Int32Array.from([5, 6]), length: 2 });
  });
});
