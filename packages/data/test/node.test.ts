import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  charTokenizer,
  DataFormatError,
  parseClassification,
  parseConllu,
  parseLmCorpus,
  parseSnli,
  Vocab,
} from '../src';
import {
  datasetFiles,
  parseFile,
  readClassificationFile,
  readClassListFile,
  readConlluFile,
  readFileLines,
  readLmCorpusFile,
  readNpzFile,
  readSnliFile,
  readTextVectorsFile,
  readVocabFile,
  samplesDir,
  writeVocabFile,
} from '../src/node';
import { ConlluParser } from '../src/readers/conllu';

const files = datasetFiles(samplesDir());
const tmp = mkdtempSync(join(tmpdir(), 'rnn-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('@rnn/data/node on the shipped samples', () => {
  it('reads every sample corpus', async () => {
    const ptb = await readLmCorpusFile(files.ptb.train);
    expect(ptb.report).toMatchObject({ file: files.ptb.train, lines: 50, records: 50, skipped: 0 });
    expect(ptb.tokens.filter((t) => t === '<eos>').length).toBe(50);

    const classes = await readClassListFile(files.thucnews.classes);
    expect(classes).toHaveLength(10);
    const thuc = await readClassificationFile(files.thucnews.train, { classes, tokenizer: charTokenizer() });
    expect(thuc.examples).toHaveLength(100);
    expect(new Set(thuc.examples.map((e) => e.label)).size).toBe(10);

    const ud = await readConlluFile(files.udEwt.train);
    expect(ud.sentences).toHaveLength(7);
    expect(ud.sentences[0].forms.slice(0, 3)).toEqual(['Al', '-', 'Zaman']);

    const snli = await readSnliFile(files.snli.dev);
    expect(snli.pairs).toHaveLength(5);
    expect(snli.noGoldLabel).toBe(1);

    const vectors = await readTextVectorsFile(join(samplesDir(), 'vectors', 'tencent-chars.8d.txt'));
    expect(vectors.header).toEqual({ count: 24, dim: 8 });

    const npz = await readNpzFile(files.thucnews.embeddings);
    const vocab = await readVocabFile(files.thucnews.vocab);
    expect(npz.get('embeddings')!.shape).toEqual([vocab.size, 16]);
  });

  it('streams in small chunks exactly as parsing the whole text', async () => {
    for (const path of [files.udEwt.dev, files.thucnews.dev, files.snli.test, files.ptb.valid]) {
      const text = readFileSync(path, 'utf8');
      const lines = [];
      for await (const l of readFileLines(path, { chunkSize: 7 })) lines.push(l);
      expect(lines.map((l) => l.text)).toEqual(text.replace(/\n$/, '').split('\n'));
    }
    const streamed = await parseFile(files.udEwt.dev, new ConlluParser({ file: 'x' }));
    expect(streamed.sentences).toEqual(
      parseConllu(readFileSync(files.udEwt.dev, 'utf8'), { file: 'x' }).sentences,
    );
    const t = readFileSync(files.thucnews.dev, 'utf8');
    const classes = await readClassListFile(files.thucnews.classes);
    expect(
      (await readClassificationFile(files.thucnews.dev, { classes })).examples.map((e) => e.text),
    ).toEqual(parseClassification(t, { classes }).examples.map((e) => e.text));
    expect((await readSnliFile(files.snli.dev)).pairs.length).toBe(
      parseSnli(readFileSync(files.snli.dev)).pairs.length,
    );
    expect((await readLmCorpusFile(files.ptb.test)).tokens).toEqual(
      parseLmCorpus(readFileSync(files.ptb.test, 'utf8')).tokens,
    );
  });

  it('names the file and line of invalid UTF-8 and of empty files', async () => {
    const bad = join(tmp, 'bad.txt');
    writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from('ok\t1\nfine\t2\n'),
        Buffer.from([0x66, 0xe2, 0x28, 0xa1, 0x09, 0x31, 0x0a]),
      ]),
    );
    const err = await readClassificationFile(bad, { classes: ['a', 'b', 'c'] }).catch((e) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err).toMatchObject({ file: bad, line: 3 });
    expect(err.message).toBe(
      `${bad}:3: expected valid UTF-8, got invalid bytes 0xe2 0x28 0xa1 0x09 at byte 1 of the line`,
    );
    const skipped = await readClassificationFile(bad, { classes: ['a', 'b', 'c'], skipInvalid: true });
    expect(skipped.report).toMatchObject({ records: 2, skipped: 1 });

    const empty = join(tmp, 'empty.conllu');
    writeFileSync(empty, '');
    await expect(readConlluFile(empty)).rejects.toThrow(
      `${empty}:1: expected at least one sentence, got an empty file`,
    );
  });

  it('writes and reads vocabularies as JSON', async () => {
    const v = Vocab.build([['b', 'a', 'a']], { specials: ['<pad>', '<unk>'] });
    const path = join(tmp, 'vocab.json');
    await writeVocabFile(path, v);
    const w = await readVocabFile(path);
    expect(w.itos).toEqual(v.itos);
    expect(w.unkToken).toBe('<unk>');
    writeFileSync(path, '{"format": "rnn-vocab"');
    await expect(readVocabFile(path)).rejects.toThrow(`${path}: expected vocabulary JSON, got invalid JSON`);
  });
});
