import { manualSeed, type Tensor } from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { collate, type EncodedSentence, encodeSentences } from './batches';
import { buildVocabularies, type TaggedSentence } from './data';
import { Tagger } from './model';

// Four sentences of lengths 3, 6, 1, 4: deliberately not sorted, with repeated words across them.
const sentences: TaggedSentence[] = [
  { words: ['The', 'dog', 'barked'], tags: ['DET', 'NOUN', 'VERB'] },
  {
    words: ['I', 'saw', 'the', 'dog', 'yesterday', '.'],
    tags: ['PRON', 'VERB', 'DET', 'NOUN', 'NOUN', 'PUNCT'],
  },
  { words: ['Hello'], tags: ['INTJ'] },
  { words: ['Dogs', 'bark', 'at', 'cats'], tags: ['NOUN', 'VERB', 'ADP', 'NOUN'] },
];

let vocab: ReturnType<typeof buildVocabularies>;
let encoded: EncodedSentence[];
beforeAll(() => {
  // "yesterday" and "cats" stay out of the vocabulary, so the batch has unknown words too.
  vocab = buildVocabularies(
    sentences.map((s) => ({ ...s, words: s.words.filter((w) => w !== 'yesterday' && w !== 'cats') })),
    'upos',
  );
  encoded = encodeSentences(sentences, vocab);
});

/** A float64 tagger without dropout (so a packed batch and single sentences see the same function). */
function model(): Tagger {
  manualSeed(3);
  const m = new Tagger({
    words: vocab.words.size,
    chars: vocab.chars.size,
    tags: vocab.tags.length,
    wordDim: 6,
    charDim: 4,
    charHidden: 3,
    hidden: 5,
    layers: 2,
    dropout: 0,
    wordDropout: 0,
  });
  return m.asType('float64');
}

function gradients(m: Tagger): Map<string, Float64Array> {
  return new Map(
    m.namedParameters().map(([name, p]) => [name, Float64Array.from((p.grad as Tensor).dataSync())]),
  );
}

describe('packed batches', () => {
  it('give the same loss and gradients as one sentence at a time', () => {
    const m = model();
    const tokens = encoded.reduce((n, s) => n + s.words.length, 0);

    const batch = collate(encoded, vocab);
    expect(batch.words.shape).toEqual([6, 4]); // [T, B]: lengths in batch order, not sorted
    const packedLoss = m.loss(batch);
    packedLoss.backward();
    const packed = gradients(m);

    m.zeroGrad();
    let total = 0;
    for (const s of encoded) {
      // The batch's mean is the sum over its tokens / tokens: each sentence adds its share.
      const loss = m.loss(collate([s], vocab), { reduction: 'sum' }).div(tokens);
      total += loss.itemSync();
      loss.backward();
    }
    const single = gradients(m);

    expect(Math.abs(packedLoss.itemSync() - total)).toBeLessThan(1e-12);
    expect([...single.keys()]).toEqual([...packed.keys()]);
    expect(packed.size).toBeGreaterThan(10); // word and char embeddings, both BiLSTMs, the output layer
    for (const [name, g] of packed) {
      const h = single.get(name)!;
      let worst = 0;
      let norm = 0;
      for (let i = 0; i < g.length; i++) {
        worst = Math.max(worst, Math.abs(g[i] - h[i]));
        norm = Math.max(norm, Math.abs(g[i]));
      }
      expect(norm, `${name} has a gradient`).toBeGreaterThan(0);
      expect(worst, name).toBeLessThan(1e-12);
    }
  });

  it('are not what running the LSTM over the padding gives (why packing matters)', () => {
    const m = model();
    const batch = collate(encoded, vocab);
    const packed = m.loss(batch).itemSync();
    const padded = m.loss(batch, { packed: false }).itemSync();
    expect(Math.abs(packed - padded)).toBeGreaterThan(1e-6);
    // Sentences of one length made of words of one length have no padding: then both ways agree.
    const [even] = encodeSentences(
      [{ words: ['The', 'dog', 'saw', 'cat'], tags: ['DET', 'NOUN', 'VERB', 'NOUN'] }],
      vocab,
    );
    const same = collate([even, even], vocab);
    expect(Math.abs(m.loss(same).itemSync() - m.loss(same, { packed: false }).itemSync())).toBeLessThan(
      1e-12,
    );
  });
});
