import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  charTokenizer,
  parseClassification,
  parseClassList,
  parseConllu,
  parseLmCorpus,
  parseNpy,
  parseNpz,
  parseSnli,
  parseTextVectors,
  type TextSource,
  Vocab,
} from '../src';
import { onlyFormatErrors } from './helpers';

const samples = join(__dirname, '..', 'samples');
const read = (...p: string[]) => new Uint8Array(readFileSync(join(samples, ...p)));

const classes = [
  'finance',
  'realty',
  'stocks',
  'education',
  'science',
  'society',
  'politics',
  'sports',
  'game',
  'entertainment',
];
const closedVocab = Vocab.fromTokens(['the', 'a', '<eos>']);

/** Every reader, on text or bytes. */
const readers: Record<string, { run: (s: TextSource, skipInvalid: boolean) => unknown; sample: Uint8Array }> =
  {
    lm: {
      run: (s, skipInvalid) => parseLmCorpus(s, { file: 'f', skipInvalid }),
      sample: read('ptb', 'ptb.valid.txt'),
    },
    lmClosedVocab: {
      run: (s, skipInvalid) => parseLmCorpus(s, { file: 'f', skipInvalid, vocab: closedVocab }),
      sample: read('ptb', 'ptb.valid.txt'),
    },
    classification: {
      run: (s, skipInvalid) =>
        parseClassification(s, { file: 'f', classes, tokenizer: charTokenizer(), skipInvalid }),
      sample: read('thucnews', 'dev.txt'),
    },
    classList: { run: (s) => parseClassList(s, { file: 'f' }), sample: read('thucnews', 'class.txt') },
    conllu: {
      run: (s, skipInvalid) => parseConllu(s, { file: 'f', skipInvalid }),
      sample: read('ud-english-ewt', 'en_ewt-ud-dev.conllu'),
    },
    snli: {
      run: (s, skipInvalid) => parseSnli(s, { file: 'f', skipInvalid }),
      sample: read('snli', 'snli_1.0_dev.jsonl'),
    },
    vectors: {
      run: (s, skipInvalid) => parseTextVectors(s, { file: 'f', skipInvalid }),
      sample: read('vectors', 'tencent-chars.8d.txt'),
    },
    vocabJson: {
      run: (s) => Vocab.fromJSON(typeof s === 'string' ? s : new TextDecoder().decode(s), 'f'),
      sample: read('thucnews', 'vocab.json'),
    },
  };

const alphabet = fc.constantFrom(
  'a',
  'B',
  '中',
  ' ',
  '\t',
  '\n',
  '\r',
  '#',
  '-',
  '.',
  '1',
  '2',
  '0',
  '(',
  ')',
  '{',
  '}',
  '"',
  ':',
  ',',
  '[',
  ']',
  '_',
  'entailment',
  'gold_label',
  '\u0000',
  'é',
  '😀',
);
const randomText = fc.string({ unit: alphabet, maxLength: 120 });

describe('fuzz: readers fail only with DataFormatError', () => {
  for (const [name, r] of Object.entries(readers)) {
    it(`${name}: random text`, () => {
      fc.assert(
        fc.property(randomText, fc.boolean(), (text, skip) => {
          onlyFormatErrors(() => r.run(text, skip));
        }),
        { numRuns: 300 },
      );
    });

    it(`${name}: truncated and mutated samples, as bytes`, () => {
      // the untouched sample reads cleanly (except against a vocabulary that lacks its words)
      expect(onlyFormatErrors(() => r.run(r.sample, false))).toBe(name !== 'lmClosedVocab');
      fc.assert(
        fc.property(
          fc.nat(r.sample.length),
          fc.array(fc.tuple(fc.nat(r.sample.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          fc.boolean(),
          (cut, edits, skip) => {
            const bytes = r.sample.slice(0, cut);
            for (const [i, b] of edits) if (i < bytes.length) bytes[i] = b;
            onlyFormatErrors(() => r.run(bytes, skip));
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('skipInvalid turns every bad record into a counted skip (only empty input still throws)', () => {
    fc.assert(
      fc.property(randomText, (text) => {
        for (const name of ['lm', 'classification', 'conllu', 'snli', 'vectors']) {
          try {
            readers[name].run(text, true);
          } catch (e) {
            // the only error left is for input with nothing in it
            expect((e as Error).message).toMatch(
              /expected at least one .*, got (an empty file|none)$|as the header says/,
            );
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('npy and npz: truncated and mutated bytes', () => {
    const npz = read('thucnews', 'embedding_Tencent.npz');
    const inflateRaw = (d: Uint8Array) => new Uint8Array(inflateRawSync(d));
    const npy = parseNpz(npz, { inflateRaw }).get('embeddings')!;
    expect(npy.shape).toEqual([42, 16]);
    fc.assert(
      fc.property(
        fc.nat(npz.length),
        fc.array(fc.tuple(fc.nat(npz.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        (cut, edits) => {
          const bytes = npz.slice(0, cut);
          for (const [i, b] of edits) if (i < bytes.length) bytes[i] = b;
          onlyFormatErrors(() => parseNpz(bytes, { inflateRaw }));
          onlyFormatErrors(() => parseNpy(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });
});
