import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { charTokenizer, Vocab } from '@rnn/data';
import {
  datasetFiles,
  readClassificationFile,
  readClassListFile,
  readNpzFile,
  samplesDir,
} from '@rnn/data/node';
import { DataFormatError, type Tensor, tensor } from '@rnn/tensor';

/** The unknown-character and padding tokens of THUCNews' `vocab.json` (its last two ids). */
export const UNK = '<UNK>';
export const PAD = '<PAD>';

/** The files of the THUCNews headline data. */
export interface ThucNewsFiles {
  /** The folder holding them. */
  dir: string;
  train: string;
  dev: string;
  test: string;
  classes: string;
  vocab: string;
  embeddings: string;
}

/**
 * The THUCNews files under `--data DIR`: `DIR/thucnews/` (the layout of `@rnn/data`'s
 * `datasetFiles`, e.g. `--data ../shared/data`) or `DIR` itself when it holds `class.txt`
 * (`--data ../shared/data/thucnews`). Without `--data`, the sample shipped with `@rnn/data`.
 */
export function thucnewsFiles(data?: string): ThucNewsFiles {
  const root = resolve(data ?? samplesDir());
  const nested = datasetFiles(root).thucnews;
  const files = existsSync(nested.classes) || !existsSync(join(root, 'class.txt')) ? nested : undefined;
  const d = (name: string) => join(root, name);
  const f = files ?? {
    train: d('train.txt'),
    dev: d('dev.txt'),
    test: d('test.txt'),
    classes: d('class.txt'),
    vocab: d('vocab.json'),
    embeddings: d('embedding_Tencent.npz'),
  };
  return { dir: files ? join(root, 'thucnews') : root, ...f };
}

/**
 * The character vocabulary from a token list (index = id) such as THUCNews' `vocab.json`: characters
 * it does not hold map to `<UNK>`, and `<PAD>` pads, as in the tutorial.
 */
export function vocabFromTokens(tokens: readonly string[], file = '<vocab>'): Vocab {
  for (const special of [UNK, PAD]) {
    if (!tokens.includes(special)) {
      throw new DataFormatError(file, 0, `expected the token ${special} in the vocabulary, got none`);
    }
  }
  return Vocab.fromTokens(tokens, { specials: [UNK, PAD], unkToken: UNK });
}

/** Reads `vocab.json` (a JSON array of characters, index = id). */
export async function readVocab(path: string): Promise<Vocab> {
  if (!existsSync(path)) {
    throw new DataFormatError(
      path,
      0,
      'expected a vocabulary (a JSON array of characters), got no such file',
    );
  }
  let tokens: unknown;
  try {
    tokens = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new DataFormatError(
      path,
      0,
      `expected a JSON array of characters, got invalid JSON (${(e as Error).message})`,
    );
  }
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
    throw new DataFormatError(path, 0, 'expected a JSON array of characters (strings)');
  }
  return vocabFromTokens(tokens, path);
}

/** A headline as ids, with its class. */
export interface Headline {
  /** Character ids (not yet padded or truncated). */
  ids: Int32Array;
  /** Class index into `class.txt`. */
  label: number;
}

/** Every character of a headline, as the tutorial splits it (spaces included), encoded. */
export function encodeHeadline(text: string, vocab: Vocab): Int32Array {
  return vocab.encode(tokenize(text));
}

const tokenize = charTokenizer();

/** Reads a split (`text<TAB>label` lines) as ids; errors name the file and line. */
export async function readSplit(path: string, classes: readonly string[], vocab: Vocab): Promise<Headline[]> {
  const { examples } = await readClassificationFile(path, {
    classes,
    tokenizer: tokenize,
    vocab,
    keepTokens: false,
  });
  return examples.map((e) => ({ ids: e.ids!, label: e.label }));
}

/** The class names, the vocabulary and the three splits. */
export interface ThucNews {
  files: ThucNewsFiles;
  classes: string[];
  vocab: Vocab;
  train: Headline[];
  dev: Headline[];
  test: Headline[];
}

/** Reads the class names, `vocab.json` and the splits of a THUCNews folder (see {@link thucnewsFiles}). */
export async function readThucNews(files: ThucNewsFiles, splits = ['train', 'dev', 'test'] as const) {
  const classes = await readClassListFile(files.classes);
  const vocab = await readVocab(files.vocab);
  const out: ThucNews = { files, classes, vocab, train: [], dev: [], test: [] };
  for (const s of splits) out[s] = await readSplit(files[s], classes, vocab);
  return out;
}

/**
 * The pretrained character vectors (`embedding_Tencent.npz`, array `embeddings`, one row per id of
 * `vocab.json`) as float32 `[vocab, dim]`.
 */
export async function readPretrained(path: string, vocab: Vocab): Promise<Tensor> {
  if (!existsSync(path)) {
    throw new DataFormatError(path, 0, 'expected the pretrained vectors (.npz), got no such file');
  }
  const matrix = (await readNpzFile(path)).get('embeddings');
  if (!matrix) throw new DataFormatError(path, 0, 'expected an array named "embeddings", got none');
  if (matrix.shape.length !== 2 || matrix.shape[0] !== vocab.size) {
    throw new DataFormatError(
      path,
      0,
      `expected "embeddings" of shape [${vocab.size}, dim] (a row per vocabulary id), got [${matrix.shape.join(', ')}]`,
    );
  }
  return tensor(Float32Array.from(matrix.data), { shape: [matrix.shape[0], matrix.shape[1]] });
}
