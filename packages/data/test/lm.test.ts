import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchify, bpttWindowCount, bpttWindows, EOS, parseLmCorpus, UNK, Vocab } from '../src';
import { formatError } from './helpers';

describe('language-model corpus', () => {
  it('turns lines into one token stream with <eos> per line (blank lines give a lone <eos>)', () => {
    const c = parseLmCorpus(' the cat \n\n a dog \n', { file: 'x.txt' });
    expect(c.tokens).toEqual(['the', 'cat', EOS, EOS, 'a', 'dog', EOS]);
    expect(c.report).toMatchObject({ file: 'x.txt', lines: 3, records: 3, skipped: 0 });
    expect(c.ids).toBeUndefined();
  });

  it('encodes with a vocabulary: unknown tokens are unk, or an error on their line without one', () => {
    const v = Vocab.build([['the', 'cat']], { specials: [UNK, EOS] });
    expect(Array.from(parseLmCorpus('the dog\n', { vocab: v }).ids!)).toEqual([3, 0, 1]);
    const closed = Vocab.build([['the', 'cat', EOS]]);
    const e = formatError(() => parseLmCorpus('the cat\nthe dog\n', { file: 'valid.txt', vocab: closed }));
    expect(e.message).toBe(
      'valid.txt:2: expected tokens of the vocabulary (3 types, no unk token), got "dog"',
    );
    expect(e.line).toBe(2);
  });

  it('rejects empty input and control characters; skipInvalid skips and counts', () => {
    expect(formatError(() => parseLmCorpus('', { file: 'e.txt' })).message).toBe(
      'e.txt:1: expected at least one line, got an empty file',
    );
    const bad = 'a b\nc\u0000d\ne\n';
    expect(formatError(() => parseLmCorpus(bad, { file: 'f' })).message).toBe(
      'f:2: expected text, got the control character U+0000 at column 2',
    );
    const c = parseLmCorpus(bad, { file: 'f', skipInvalid: true });
    expect(c.tokens).toEqual(['a', 'b', EOS, 'e', EOS]);
    expect(c.report.skipped).toBe(1);
    expect(c.report.issues).toEqual([
      { file: 'f', line: 2, message: 'f:2: expected text, got the control character U+0000 at column 2' },
    ]);
  });
});

describe('batchify and BPTT windows', () => {
  it('lays out streams as the PyTorch example ([n, batch], remainder dropped)', () => {
    const t = batchify([0, 1, 2, 3, 4, 5, 6], 2);
    expect(t.shape).toEqual([3, 2]);
    expect(t.dtype).toBe('int32');
    expect(t.arraySync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(batchify([0, 1, 2, 3, 4, 5, 6], 2, { batchFirst: true }).arraySync()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(() => batchify([1], 2)).toThrow(/do not fill/);
  });

  it('windows cover every step once, targets are inputs shifted by one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        (len, batch, seqLen, batchFirst) => {
          fc.pre(len >= batch);
          const ids = Array.from({ length: len }, (_, i) => i);
          const src = batchify(ids, batch, { batchFirst });
          const n = Math.floor(len / batch);
          const windows = [...bpttWindows(src, seqLen, { batchFirst })];
          expect(windows.length).toBe(bpttWindowCount(n, seqLen));
          let expectedStart = 0;
          for (const w of windows) {
            expect(w.start).toBe(expectedStart);
            expect(w.length).toBe(Math.min(seqLen, n - 1 - w.start));
            const inp = w.input.arraySync() as number[][];
            const tgt = w.target.arraySync() as number[][];
            for (let b = 0; b < batch; b++) {
              for (let t = 0; t < w.length; t++) {
                const x = batchFirst ? inp[b][t] : inp[t][b];
                const y = batchFirst ? tgt[b][t] : tgt[t][b];
                // stream b is ids[b*n .. (b+1)*n): position start+t, and the next token
                expect(x).toBe(b * n + w.start + t);
                expect(y).toBe(x + 1);
              }
            }
            expectedStart += w.length;
          }
          expect(expectedStart).toBe(n - 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
