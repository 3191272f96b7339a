import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ArrayDataset,
  alignEmbeddings,
  batchify,
  bpttWindows,
  charTokenizer,
  DataLoader,
  padCollate,
  Vocab,
  vectorsFromMatrix,
} from '../src';
import {
  datasetFiles,
  readClassificationFile,
  readClassListFile,
  readLmCorpusFile,
  readNpzFile,
  samplesDir,
} from '../src/node';

// The README's examples, on the shipped samples.
describe('README examples', () => {
  const files = datasetFiles(samplesDir());

  it('language model: ids, [n, batch] columns, BPTT windows', async () => {
    const train = await readLmCorpusFile(files.ptb.train);
    const vocab = Vocab.build([train.tokens], { specials: ['<unk>'] });
    const valid = await readLmCorpusFile(files.ptb.valid, { vocab });
    let steps = 0;
    for (const { input, target } of bpttWindows(batchify(valid.ids!, 4), 35)) {
      expect(input.shape[1]).toBe(4);
      expect(target.shape).toEqual(input.shape);
      steps += input.shape[0];
    }
    expect(steps).toBe(Math.floor(valid.ids!.length / 4) - 1);
  });

  it('headlines: padded batches from a seeded shuffle, and aligned pretrained vectors', async () => {
    const classes = await readClassListFile(files.thucnews.classes);
    const headlines = await readClassificationFile(files.thucnews.train, {
      classes,
      tokenizer: charTokenizer(),
    });
    const chars = Vocab.build(
      headlines.examples.map((e) => e.tokens),
      { specials: ['<pad>', '<unk>'] },
    );
    const examples = headlines.examples.map((e) => ({ ids: chars.encode(e.tokens), label: e.label }));
    const loader = new DataLoader(new ArrayDataset(examples), {
      batchSize: 32,
      shuffle: true,
      generator: 1,
      collate: padCollate({ padSize: 32, batchFirst: true }),
    });
    const shapes = [...loader].map((b) => [b.ids.shape, b.mask.dtype, b.labels!.shape]);
    expect(shapes[0]).toEqual([[32, 32], 'bool', [32]]);
    expect(shapes.length).toBe(4);

    const vocabTokens = JSON.parse(readFileSync(files.thucnews.vocab, 'utf8'));
    const vectors = vectorsFromMatrix(
      vocabTokens,
      (await readNpzFile(files.thucnews.embeddings)).get('embeddings')!,
    );
    const { weight, found, total } = alignEmbeddings(chars, vectors, { seed: 0, zeroTokens: ['<pad>'] });
    expect(weight.shape).toEqual([chars.size, 16]);
    expect(total).toBe(chars.size);
    expect(found).toBeGreaterThan(10);
  });
});
