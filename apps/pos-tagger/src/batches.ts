import { ArrayDataset, BucketBatchSampler, DataLoader } from '@rnn/data';
import { type Tensor, tensor, ValueError } from '@rnn/tensor';
import { type TaggedSentence, type Vocabularies, wordKey } from './data';

/** Target of padding positions, left out of the loss and the scores (PyTorch's `ignore_index`). */
export const IGNORE_INDEX = -100;

/** A sentence as ids: what batches are made of. */
export interface EncodedSentence {
  /** The word forms as written (the characters are read from them). */
  forms: string[];
  /** Word ids (lowercased form; `<unk>` = 1 when not in the vocabulary). */
  words: Int32Array;
  /** Tag ids, or {@link IGNORE_INDEX} for a sentence without gold tags (prediction). */
  tags: Int32Array;
}

/** Encodes sentences with the model's vocabularies. Tags not in the tag list are an error. */
export function encodeSentences(sentences: readonly TaggedSentence[], v: Vocabularies): EncodedSentence[] {
  const tagId = new Map(v.tags.map((t, i) => [t, i]));
  return sentences.map((s, i) => ({
    forms: s.words,
    words: v.words.encode(s.words.map(wordKey)),
    tags: Int32Array.from(s.tags, (t, k) => {
      const id = tagId.get(t);
      if (id === undefined) {
        throw new ValueError(
          `sentence ${i + 1}, word ${k + 1}: tag ${JSON.stringify(t)} is not one of the model's ${v.tags.length} tags`,
        );
      }
      return id;
    }),
  }));
}

/** Sentences without tags (for `predict`): every target is {@link IGNORE_INDEX}. */
export function encodeUntagged(sentences: readonly string[][], v: Vocabularies): EncodedSentence[] {
  return sentences.map((forms) => ({
    forms,
    words: v.words.encode(forms.map(wordKey)),
    tags: new Int32Array(forms.length).fill(IGNORE_INDEX),
  }));
}

/**
 * A mini-batch, laid out as the tutorial lays it out: sentences padded to the longest, time-major
 * (`[T, B]`, PyTorch's default), their lengths in any order, and the targets flattened with the
 * padding marked {@link IGNORE_INDEX}. The characters are those of the batch's distinct word forms,
 * each word once.
 */
export interface Batch {
  /** Word ids, int32 `[T, B]` (0 = `<pad>` after a sentence's end). */
  words: Tensor;
  /** Sentence lengths, in batch order. */
  lengths: number[];
  /** Characters of the distinct word forms, int32 `[L, U]` (padded with 0). */
  chars: Tensor;
  /** Length of each distinct form, in characters. */
  charLengths: number[];
  /** For each position `t·B + b` of `words`, the row of its form among the distinct forms (0 on padding). */
  wordIndex: Tensor;
  /** Tag ids, int32 `[T·B]` (position `t·B + b`), {@link IGNORE_INDEX} on padding. */
  tags: Tensor;
  /** Real (non-padding) tokens. */
  tokens: number;
  /** Per position `t·B + b`: 1 when the word is in the word vocabulary (not `<unk>`), else 0. */
  known: Uint8Array;
  /** Host copy of `tags`. */
  tagIds: Int32Array;
}

/** Pads a list of encoded sentences into a {@link Batch}. */
export function collate(sentences: readonly EncodedSentence[], v: Vocabularies): Batch {
  const batch = sentences.length;
  const lengths = sentences.map((s) => s.words.length);
  const steps = Math.max(...lengths);
  const words = new Int32Array(steps * batch);
  const tags = new Int32Array(steps * batch).fill(IGNORE_INDEX);
  const known = new Uint8Array(steps * batch);
  const wordIndex = new Int32Array(steps * batch);
  const rowOf = new Map<string, number>();
  const forms: string[] = [];
  const unk = v.words.unkId;
  sentences.forEach((s, b) => {
    for (let t = 0; t < s.words.length; t++) {
      const i = t * batch + b;
      words[i] = s.words[t];
      tags[i] = s.tags[t];
      known[i] = s.words[t] === unk ? 0 : 1;
      const f = s.forms[t];
      let row = rowOf.get(f);
      if (row === undefined) {
        row = forms.length;
        rowOf.set(f, row);
        forms.push(f);
      }
      wordIndex[i] = row;
    }
  });
  const charSeqs = forms.map((f) => v.chars.encode([...f]));
  const charLengths = charSeqs.map((c) => c.length);
  const longest = Math.max(...charLengths);
  const chars = new Int32Array(longest * forms.length);
  charSeqs.forEach((c, u) => {
    for (let k = 0; k < c.length; k++) chars[k * forms.length + u] = c[k];
  });
  const int = (data: Int32Array, shape: number[]) => tensor(data, { dtype: 'int32', shape });
  return {
    words: int(words, [steps, batch]),
    lengths,
    chars: int(chars, [longest, forms.length]),
    charLengths,
    wordIndex: int(wordIndex, [steps * batch]),
    tags: int(tags, [steps * batch]),
    tokens: lengths.reduce((a, n) => a + n, 0),
    known,
    tagIds: tags,
  };
}

/**
 * The training batches: length-bucketed (`BucketBatchSampler`: shuffled, pools of 50 batches sorted
 * by length, batches shuffled), so a batch holds sentences of similar length. Shuffles come from the
 * default generator, and the loader's position goes into checkpoints (exact resume).
 */
export function trainLoader(
  sentences: readonly EncodedSentence[],
  v: Vocabularies,
  batchSize: number,
): DataLoader<EncodedSentence, Batch> {
  const sampler = new BucketBatchSampler(
    sentences.map((s) => s.words.length),
    { batchSize },
  );
  return new DataLoader(new ArrayDataset([...sentences]), {
    batchSampler: sampler,
    collate: (examples) => collate(examples, v),
  });
}

/**
 * Evaluation batches in a fixed order: sentences sorted by length (least padding), `batchSize` at a
 * time. Yields each batch with the indices of its sentences in `sentences`.
 */
export function* evalBatches(
  sentences: readonly EncodedSentence[],
  v: Vocabularies,
  batchSize: number,
): Generator<{ batch: Batch; indices: number[] }> {
  const order = sentences
    .map((_, i) => i)
    .sort((a, b) => sentences[a].words.length - sentences[b].words.length || a - b);
  for (let i = 0; i < order.length; i += batchSize) {
    const indices = order.slice(i, i + batchSize);
    yield {
      batch: collate(
        indices.map((k) => sentences[k]),
        v,
      ),
      indices,
    };
  }
}
