import { UPOS_TAGS } from '@rnn/data';
import { manualSeed } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { collate, encodeSentences, encodeUntagged, IGNORE_INDEX, trainLoader } from './batches';
import { fillTags } from './conllu';
import { buildVocabularies, readSplits, type TaggedSentence } from './data';

const train: TaggedSentence[] = [
  { words: ['The', 'cat', 'sat'], tags: ['DET', 'NOUN', 'VERB'] },
  { words: ['the', 'Cat', '!'], tags: ['DET', 'PROPN', 'PUNCT'] },
];

describe('data', () => {
  it('reads the samples and builds the vocabularies (lowercased words, cased characters)', async () => {
    const splits = await readSplits(undefined, 'upos');
    expect(splits.train.length).toBeGreaterThan(3);
    expect(splits.dev[0].words.slice(0, 3)).toEqual(['From', 'the', 'AP']);
    expect(splits.dev[0].tags.slice(0, 3)).toEqual(['ADP', 'DET', 'PROPN']);
    const xpos = await readSplits(undefined, 'xpos');
    expect(xpos.dev[0].tags.slice(0, 3)).toEqual(['IN', 'DT', 'NNP']);

    const v = buildVocabularies(train, 'upos');
    expect(v.words.itos).toEqual(['<pad>', '<unk>', 'cat', 'the', '!', 'sat']); // by count, ties by code point
    expect(v.chars.has('C')).toBe(true);
    expect(v.tags).toEqual(UPOS_TAGS);
    expect(buildVocabularies(train, 'xpos', [{ words: ['x'], tags: ['ZZ'] }]).tags).toEqual([
      'DET',
      'NOUN',
      'PROPN',
      'PUNCT',
      'VERB',
      'ZZ',
    ]);
  });

  it('pads a batch time-major with the padding masked, each distinct form once for the characters', () => {
    const v = buildVocabularies(train, 'upos');
    const s = encodeSentences(
      [
        { words: ['the', 'dog'], tags: ['DET', 'NOUN'] },
        { words: ['The', 'cat', 'the'], tags: ['DET', 'NOUN', 'DET'] },
      ],
      v,
    );
    const b = collate(s, v);
    expect(b.words.shape).toEqual([3, 2]);
    expect(b.lengths).toEqual([2, 3]);
    expect(b.tokens).toBe(5);
    // Position t·B + b: "the" "The" | "dog" "cat" | pad "the".
    const id = (w: string) => v.words.id(w);
    expect(Array.from(b.words.dataSync())).toEqual([id('the'), id('the'), 1, id('cat'), 0, id('the')]);
    const tag = (t: string) => UPOS_TAGS.indexOf(t);
    expect(Array.from(b.tagIds)).toEqual([
      tag('DET'),
      tag('DET'),
      tag('NOUN'),
      tag('NOUN'),
      IGNORE_INDEX,
      tag('DET'),
    ]);
    expect(Array.from(b.known)).toEqual([1, 1, 0, 1, 0, 1]);
    // Distinct forms, sentence by sentence: the, dog, The, cat (case kept for the characters).
    expect(b.charLengths).toEqual([3, 3, 3, 3]);
    expect(Array.from(b.wordIndex.dataSync())).toEqual([0, 2, 1, 3, 0, 0]);
    expect(b.chars.shape).toEqual([3, 4]);
    const c = (ch: string) => v.chars.id(ch);
    expect(Array.from(b.chars.dataSync()).slice(0, 4)).toEqual([c('t'), 1, c('T'), c('c')]); // 'd' unseen

    expect(() => encodeSentences([{ words: ['a'], tags: ['NOPE'] }], v)).toThrow(
      /tag "NOPE" is not one of the model's 17 tags/,
    );
    expect(Array.from(encodeUntagged([['a', 'b']], v)[0].tags)).toEqual([IGNORE_INDEX, IGNORE_INDEX]);
  });

  it('length-bucketed training batches cover every sentence once per epoch', () => {
    manualSeed(1);
    const v = buildVocabularies(train, 'upos');
    const many = Array.from({ length: 50 }, (_, i) => ({
      words: Array.from({ length: 1 + (i % 17) }, () => 'cat'),
      tags: Array.from({ length: 1 + (i % 17) }, () => 'NOUN'),
    }));
    const loader = trainLoader(encodeSentences(many, v), v, 8);
    let tokens = 0;
    let spread = 0;
    for (const b of loader) {
      tokens += b.tokens;
      spread = Math.max(spread, Math.max(...b.lengths) - Math.min(...b.lengths));
    }
    expect(tokens).toBe(many.reduce((n, s) => n + s.words.length, 0));
    expect(loader.length).toBe(7);
    expect(spread).toBeLessThan(16); // sorted within the pool: no batch mixes the extremes at random
  });

  it('fillTags writes the tag column of word lines only, keeping everything else', () => {
    const text = [
      "# text = Don't go",
      "1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_",
      '1\tDo\tdo\t_\t_\t_\t_\t_\t_\t_',
      "2\tn't\tnot\t_\t_\t_\t_\t_\t_\t_",
      '3\tgo\tgo\t_\t_\t_\t_\t_\t_\t_',
      '',
      '1\tYes\tyes\t_\t_\t_\t_\t_\t_\t_',
      '1.1\tx\tx\t_\t_\t_\t_\t_\t_\t_',
      '',
      '',
    ].join('\n');
    const out = fillTags(text, [['AUX', 'PART', 'VERB'], ['INTJ']], 'upos').split('\n');
    expect(out[1]).toBe("1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_");
    expect(out[2]).toBe('1\tDo\tdo\tAUX\t_\t_\t_\t_\t_\t_');
    expect(out[4]).toBe('3\tgo\tgo\tVERB\t_\t_\t_\t_\t_\t_');
    expect(out[6]).toBe('1\tYes\tyes\tINTJ\t_\t_\t_\t_\t_\t_');
    expect(out[7]).toBe('1.1\tx\tx\t_\t_\t_\t_\t_\t_\t_');
    expect(out.length).toBe(10);
    expect(fillTags('1\ta\ta\t_\t_\t_\t_\t_\t_\t_\n', [['X']], 'xpos')).toBe(
      '1\ta\ta\t_\tX\t_\t_\t_\t_\t_\n',
    );
    expect(() => fillTags(text, [['AUX']], 'upos')).toThrow(/no predicted tag for word 2 of sentence 1/);
  });
});
