/**
 * The small part-of-speech tagger of the checkpoint demo: word, suffix and word-shape embeddings →
 * a bidirectional LSTM over the (packed) sentence → a linear layer over the UPOS tags. Trained in
 * Node by `scripts/train-tagger.ts` on UD English EWT, loaded in the browser from
 * `public/models/pos-tagger.safetensors`. The file carries everything else the model needs
 * (vocabularies, tag names, sizes) in its safetensors metadata, so one fetch is enough.
 */

import { Embedding, Linear, LSTM, Module, packPaddedSequence, padPackedSequence } from '@rnn/nn';
import { cat, type Tensor, tensor } from '@rnn/tensor';

/** Sizes and vocabularies: the `__metadata__` of the checkpoint (each value a JSON string there). */
export interface TaggerConfig {
  /** Lower-cased words, ids from 2 (0 = padding, 1 = unknown). */
  words: string[];
  /** Last three characters (lower-cased) of frequent words, ids from 2 (0 = padding, 1 = unknown). */
  suffixes: string[];
  /** The tags, in the order of the output layer. */
  tags: string[];
  wordDim: number;
  suffixDim: number;
  shapeDim: number;
  hidden: number;
}

/** Word shapes: a word's capitalisation and character classes (id 0 is padding). */
export const SHAPES = ['<pad>', 'lower', 'Capital', 'UPPER', 'digit', 'punct', 'mixed'] as const;

/** The shape id of a word. */
export function shapeOf(word: string): number {
  if (/^\p{Ll}+$/u.test(word)) return 1;
  if (/^\p{Lu}\p{Ll}*$/u.test(word)) return 2;
  if (/^\p{Lu}+$/u.test(word)) return 3;
  if (/^[\d.,:/-]*\d[\d.,:/-]*$/u.test(word)) return 4;
  if (/^[\p{P}\p{S}]+$/u.test(word)) return 5;
  return 6;
}

/**
 * Splits text into words and punctuation roughly as UD English EWT does: clitics apart
 * (`don't` → `do n't`, `it's` → `it 's`), punctuation one mark at a time.
 */
export function tokenize(text: string): string[] {
  const token =
    /[\p{L}\p{N}]+(?=n['’]t\b)|n['’]t\b|['’](?:s|re|ve|ll|d|m)\b|[\p{L}\p{N}]+(?:[.-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/giu;
  return text.match(token) ?? [];
}

/** Word, suffix and shape ids of a sentence. */
export function encodeSentence(lookup: TaggerLookup, words: readonly string[]) {
  const n = words.length;
  const wordIds = new Int32Array(n);
  const suffixIds = new Int32Array(n);
  const shapeIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lower = words[i].toLowerCase();
    wordIds[i] = lookup.word.get(lower) ?? 1;
    suffixIds[i] = lookup.suffix.get(lower.slice(-3)) ?? 1;
    shapeIds[i] = shapeOf(words[i]);
  }
  return { wordIds, suffixIds, shapeIds };
}

/** Id lookups of a config. */
export interface TaggerLookup {
  word: Map<string, number>;
  suffix: Map<string, number>;
}

/** Builds the id lookups of a config (ids from 2: 0 is padding, 1 unknown). */
export function taggerLookup(config: TaggerConfig): TaggerLookup {
  return {
    word: new Map(config.words.map((w, i) => [w, i + 2])),
    suffix: new Map(config.suffixes.map((s, i) => [s, i + 2])),
  };
}

/** The tagger: the same parameter names a PyTorch twin would have. */
export class Tagger extends Module {
  words: Embedding;
  suffixes: Embedding;
  shapes: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(readonly config: TaggerConfig) {
    super();
    this.words = new Embedding(config.words.length + 2, config.wordDim, { paddingIdx: 0 });
    this.suffixes = new Embedding(config.suffixes.length + 2, config.suffixDim, { paddingIdx: 0 });
    this.shapes = new Embedding(SHAPES.length, config.shapeDim, { paddingIdx: 0 });
    const input = config.wordDim + config.suffixDim + config.shapeDim;
    this.lstm = new LSTM(input, config.hidden, { bidirectional: true });
    this.out = new Linear(2 * config.hidden, config.tags.length);
  }

  /** Tag scores `[T, B, tags]` of a padded, time-major batch (int32 ids `[T, B]`) of sentences. */
  forward(wordIds: Tensor, suffixIds: Tensor, shapeIds: Tensor, lengths: readonly number[]): Tensor {
    const x = cat(
      [this.words.forward(wordIds), this.suffixes.forward(suffixIds), this.shapes.forward(shapeIds)],
      -1,
    );
    const [h] = this.lstm.forward(packPaddedSequence(x, lengths));
    const [padded] = padPackedSequence(h, { totalLength: wordIds.shape[0] });
    return this.out.forward(padded);
  }

  /** The most likely tag of each word of one sentence. */
  async tag(words: readonly string[], lookup: TaggerLookup): Promise<string[]> {
    if (words.length === 0) return [];
    const { wordIds, suffixIds, shapeIds } = encodeSentence(lookup, words);
    const shape = [words.length, 1];
    const scores = this.forward(
      tensor(wordIds, { shape, dtype: 'int32' }),
      tensor(suffixIds, { shape, dtype: 'int32' }),
      tensor(shapeIds, { shape, dtype: 'int32' }),
      [words.length],
    );
    const best = await scores.argmax(-1).data();
    return Array.from(best, (i) => this.config.tags[i]);
  }
}

/** The checkpoint's metadata (string values) as a config. */
export function configFromMetadata(metadata: Record<string, string>): TaggerConfig {
  const get = (key: string) => {
    const value = metadata[key];
    if (value === undefined) throw new Error(`pos-tagger checkpoint: no "${key}" in its metadata`);
    return JSON.parse(value);
  };
  return {
    words: get('words'),
    suffixes: get('suffixes'),
    tags: get('tags'),
    wordDim: get('wordDim'),
    suffixDim: get('suffixDim'),
    shapeDim: get('shapeDim'),
    hidden: get('hidden'),
  };
}

/** A config as safetensors metadata (every value a JSON string). */
export function configToMetadata(config: TaggerConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, JSON.stringify(v)]));
}
