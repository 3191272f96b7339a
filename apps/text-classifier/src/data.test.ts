import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplesDir } from '@rnn/data/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeHeadline,
  PAD,
  readPretrained,
  readThucNews,
  readVocab,
  thucnewsFiles,
  UNK,
  vocabFromTokens,
} from './data';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'text-classifier-data-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('THUCNews data', () => {
  it('finds the files under DIR/thucnews or in DIR itself, and the sample without --data', () => {
    const sample = join(samplesDir(), 'thucnews');
    expect(thucnewsFiles().dir).toBe(sample);
    expect(thucnewsFiles(samplesDir()).train).toBe(join(sample, 'train.txt'));
    expect(thucnewsFiles(sample).classes).toBe(join(sample, 'class.txt'));
    expect(thucnewsFiles(sample).embeddings).toBe(join(sample, 'embedding_Tencent.npz'));
  });

  it('reads the sample: classes, vocab.json with <UNK> and <PAD>, headlines as character ids', async () => {
    const data = await readThucNews(thucnewsFiles());
    expect(data.classes).toEqual([
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
    ]);
    expect([data.train.length, data.dev.length, data.test.length]).toEqual([100, 30, 30]);
    expect(data.vocab.size).toBe(42);
    expect([data.vocab.id(UNK), data.vocab.id(PAD)]).toEqual([40, 41]);
    // "中华女子学院：本科层次仅1专业招男生	3": one id per character, unknown ones <UNK>.
    const first = data.train[0];
    expect(first.label).toBe(3);
    expect(first.ids).toHaveLength([...'中华女子学院：本科层次仅1专业招男生'].length);
    expect(Array.from(first.ids.slice(0, 8))).toEqual([14, 40, 40, 40, 35, 40, 4, 40]);
  });

  it('encodes a headline character by character, spaces included', () => {
    const vocab = vocabFromTokens([' ', '中', '国', UNK, PAD]);
    expect(Array.from(encodeHeadline('中国 足球', vocab))).toEqual([1, 2, 0, 3, 3]);
  });

  it('reads the pretrained vectors as float32 [vocab, dim] and checks their rows', async () => {
    const files = thucnewsFiles();
    const vocab = await readVocab(files.vocab);
    const w = await readPretrained(files.embeddings, vocab);
    expect(w.shape).toEqual([42, 16]);
    expect(w.dtype).toBe('float32');
    await expect(readPretrained(files.embeddings, vocabFromTokens(['a', UNK, PAD]))).rejects.toThrow(
      /embedding_Tencent\.npz: expected "embeddings" of shape \[3, dim\] \(a row per vocabulary id\), got \[42, 16\]/,
    );
  });

  it('says which file and line is wrong', async () => {
    const d = join(dir, 'thucnews');
    mkdirSync(d);
    writeFileSync(join(d, 'class.txt'), 'a\nb');
    writeFileSync(join(d, 'vocab.json'), '["x", "<UNK>"]');
    await expect(readVocab(join(d, 'vocab.json'))).rejects.toThrow(
      `${join(d, 'vocab.json')}: expected the token <PAD> in the vocabulary, got none`,
    );
    writeFileSync(join(d, 'vocab.json'), '["x", "<UNK>", "<PAD>"]');
    writeFileSync(join(d, 'train.txt'), 'x\t0\nxx\t2\n');
    await expect(readThucNews(thucnewsFiles(dir), ['train'] as never)).rejects.toThrow(
      `${join(d, 'train.txt')}:2: expected a class index 0–1 as label, got "2"`,
    );
    await expect(readVocab(join(d, 'missing.json'))).rejects.toThrow(/missing\.json: expected a vocabulary/);
  });
});
