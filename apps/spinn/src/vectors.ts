import { extname } from 'node:path';
import {
  type AlignedEmbeddings,
  alignEmbeddings,
  DataFormatError,
  type Vocab,
  vectorsFromMatrix,
  type WordVectors,
} from '@rnn/data';
import { readNpzFile, readTextVectorsFile, readVocabFile } from '@rnn/data/node';

/**
 * Reads pretrained word vectors: a word2vec / GloVe text file (`token v1 … vd` per line; only the
 * words `keep` accepts are kept), or a `.npz` whose `embeddings` array (or only 2-D array) has one
 * row per token of `vocabFile` (a JSON list of tokens, or `@rnn/data`'s vocabulary JSON).
 */
export async function readVectors(
  file: string,
  options: { vocabFile?: string; keep?: (token: string) => boolean },
): Promise<WordVectors> {
  if (extname(file).toLowerCase() !== '.npz') return readTextVectorsFile(file, { keep: options.keep });
  if (!options.vocabFile) {
    throw new DataFormatError(
      file,
      0,
      'a .npz of vectors needs its tokens: pass --vectors-vocab FILE (a JSON list, one token per row)',
    );
  }
  const arrays = await readNpzFile(file);
  const matrices = [...arrays.entries()].filter(([, a]) => a.shape.length === 2);
  const named = arrays.get('embeddings');
  const matrix = named ?? (matrices.length === 1 ? matrices[0][1] : undefined);
  if (!matrix) {
    throw new DataFormatError(
      file,
      0,
      `expected an array named "embeddings" or a single 2-D array, got ${[...arrays.keys()].join(', ') || 'none'}`,
    );
  }
  const tokens = [...(await readVocabFile(options.vocabFile)).itos];
  return vectorsFromMatrix(tokens, matrix);
}

/**
 * The embedding matrix of `vocab` from pretrained vectors: each word's vector (or its lower-cased
 * form's), `<pad>` zero, and words without a vector drawn from U(−0.05, 0.05) by the seed.
 */
export function alignVectors(vocab: Vocab, vectors: WordVectors, seed: number): AlignedEmbeddings {
  return alignEmbeddings(vocab, vectors, {
    seed,
    scale: 0.05,
    lowercaseFallback: true,
    zeroTokens: ['<pad>'],
  });
}
