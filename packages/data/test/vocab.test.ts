import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError, EOS, PAD, UNK, Vocab } from '../src';
import { formatError } from './helpers';

describe('Vocab', () => {
  it('gives specials fixed ids, then tokens by frequency with ties in code-point order', () => {
    const v = Vocab.build(
      [
        ['b', 'a', 'c', 'a'],
        ['c', 'd', UNK],
      ],
      { specials: [PAD, UNK, EOS] },
    );
    expect(v.itos).toEqual([PAD, UNK, EOS, 'a', 'c', 'b', 'd']);
    expect(v.unkId).toBe(1);
    expect(v.id('zzz')).toBe(1);
    expect(v.encode(['a', 'nope'])).toEqual(Int32Array.from([3, 1]));
  });

  it('applies minFreq and maxSize (specials count towards maxSize)', () => {
    const tokens = 'a a a b b c'.split(' ');
    expect(Vocab.build([tokens], { minFreq: 2 }).itos).toEqual(['a', 'b']);
    expect(Vocab.build([tokens], { maxSize: 3, specials: [PAD, UNK] }).itos).toEqual([PAD, UNK, 'a']);
    expect(() => Vocab.build([tokens], { maxSize: 1, specials: [PAD, UNK] })).toThrow(/maxSize/);
    expect(() => Vocab.build([tokens], { minFreq: 0 })).toThrow(/minFreq/);
  });

  it('throws on unknown tokens when there is no unk token, and on bad ids', () => {
    const v = Vocab.build([['x']]);
    expect(v.unkToken).toBeNull();
    expect(() => v.id('y')).toThrow(/not in the vocabulary/);
    expect(() => v.token(1)).toThrow(/\[0, 1\)/);
  });

  it('round-trips encode/decode and JSON (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 20 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (streams, minFreq) => {
          const v = Vocab.build(streams, { specials: [PAD, UNK], minFreq });
          const all = streams.flat();
          const ids = v.encode(all);
          const back = v.decode(ids);
          all.forEach((t, i) => {
            expect(back[i]).toBe(v.has(t) ? t : UNK);
          });
          const w = Vocab.fromJSON(JSON.stringify(v));
          expect(w.itos).toEqual(v.itos);
          expect(w.specials).toEqual(v.specials);
          expect(w.unkId).toBe(v.unkId);
          expect(w.encode(all)).toEqual(ids);
          // ids are a bijection
          expect(new Set(v.itos).size).toBe(v.size);
          v.itos.forEach((t, i) => {
            expect(v.id(t)).toBe(i);
          });
        },
      ),
    );
  });

  it('loads a plain token array (THUCNews vocab.json) and rejects malformed JSON with DataFormatError', () => {
    const v = Vocab.fromJSON('[" ", "中", "<UNK>", "<PAD>"]', 'vocab.json');
    expect(v.size).toBe(4);
    expect(Vocab.fromTokens(v.itos, { unkToken: '<UNK>' }).id('x')).toBe(2);
    expect(
      formatError(() => Vocab.fromJSON('{"format": "rnn-vocab", "version": 1, "tokens": [1]', 'v.json'))
        .message,
    ).toMatch(/^v\.json: expected vocabulary JSON, got invalid JSON/);
    const e = formatError(() =>
      Vocab.fromJSON(
        { format: 'rnn-vocab', version: 1, tokens: ['a', 'a'], specials: [], unkToken: null },
        'v.json',
      ),
    );
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toMatch(/tokens must be unique/);
    expect(formatError(() => Vocab.fromJSON({ format: 'other' }, 'v.json')).message).toBe(
      'v.json: expected format "rnn-vocab", got "other"',
    );
  });
});
