import { createReadStream, existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { type NpyArray, parseNpz } from '../embeddings/npy';
import { type TextVectorsData, type TextVectorsOptions, TextVectorsParser } from '../embeddings/text-vectors';
import {
  type ClassificationData,
  type ClassificationOptions,
  ClassificationParser,
  parseClassList,
} from '../readers/classification';
import { type ConlluData, type ConlluOptions, ConlluParser } from '../readers/conllu';
import { type LmCorpus, type LmCorpusOptions, LmCorpusParser } from '../readers/lm-corpus';
import { type SnliData, type SnliOptions, SnliParser } from '../readers/snli';
import { type Line, LineDecoder, type LineParser } from '../text/lines';
import { Vocab } from '../text/vocab';

/**
 * Streams the lines of a UTF-8 file with their 1-based numbers; lines with invalid UTF-8 come as
 * `text: null` with an `error` (the readers turn them into `DataFormatError`s or skips).
 */
export async function* readFileLines(
  path: string,
  options: { chunkSize?: number } = {},
): AsyncGenerator<Line> {
  const decoder = new LineDecoder();
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 20 });
  for await (const chunk of stream) yield* decoder.push(chunk as Uint8Array);
  yield* decoder.end();
}

/** Runs a line parser over a file, streaming. */
export async function parseFile<R>(path: string, parser: LineParser<R>): Promise<R> {
  for await (const l of readFileLines(path)) parser.push(l);
  return parser.finish();
}

/** Reads a language-model corpus file (see `LmCorpusParser`); messages name `path`. */
export function readLmCorpusFile(
  path: string,
  options: Omit<LmCorpusOptions, 'file'> = {},
): Promise<LmCorpus> {
  return parseFile(path, new LmCorpusParser({ ...options, file: path }));
}

/** Reads a `text<TAB>label` file (see `ClassificationParser`). */
export function readClassificationFile(
  path: string,
  options: Omit<ClassificationOptions, 'file'>,
): Promise<ClassificationData> {
  return parseFile(path, new ClassificationParser({ ...options, file: path }));
}

/** Reads a class list, one name per line (see `parseClassList`). */
export async function readClassListFile(path: string): Promise<string[]> {
  return parseClassList(new Uint8Array(await readFile(path)), { file: path });
}

/** Reads a CoNLL-U file (see `ConlluParser`). */
export function readConlluFile(path: string, options: Omit<ConlluOptions, 'file'> = {}): Promise<ConlluData> {
  return parseFile(path, new ConlluParser({ ...options, file: path }));
}

/** Reads an SNLI jsonl file (see `SnliParser`). */
export function readSnliFile(path: string, options: Omit<SnliOptions, 'file'> = {}): Promise<SnliData> {
  return parseFile(path, new SnliParser({ ...options, file: path }));
}

/** Reads word2vec / GloVe text vectors (see `TextVectorsParser`), streaming. */
export function readTextVectorsFile(
  path: string,
  options: Omit<TextVectorsOptions, 'file'> = {},
): Promise<TextVectorsData> {
  return parseFile(path, new TextVectorsParser({ ...options, file: path }));
}

/** Reads a `.npz` archive (stored or deflated members) into arrays keyed by name. */
export async function readNpzFile(path: string): Promise<Map<string, NpyArray>> {
  return parseNpz(new Uint8Array(await readFile(path)), { file: path, inflateRaw: (d) => inflateRawSync(d) });
}

/** Reads a vocabulary JSON file (`Vocab.toJSON`'s form, or a plain array of tokens). */
export async function readVocabFile(path: string): Promise<Vocab> {
  const bytes = new Uint8Array(await readFile(path));
  return Vocab.fromJSON(new TextDecoder('utf-8').decode(bytes), path);
}

/** Writes a vocabulary as JSON, atomically (a temporary file renamed over the target). */
export async function writeVocabFile(path: string, vocab: Vocab): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(vocab)}\n`);
  await rename(tmp, path);
}

/**
 * The folder of the samples shipped with the package (`samples/`), laid out like the full data:
 * `ptb/`, `thucnews/`, `ud-english-ewt/`, `snli/`, `vectors/`. See {@link datasetFiles}.
 */
export function samplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'samples'), join(here, '..', '..', 'samples')]) {
    if (existsSync(join(candidate, 'SOURCE.md'))) return candidate;
  }
  throw new Error(`@rnn/data: the samples folder was not found next to ${here}`);
}

/** Paths of each corpus's files under a data folder (the full data, or {@link samplesDir}). */
export interface DatasetFiles {
  ptb: { train: string; valid: string; test: string };
  thucnews: { train: string; dev: string; test: string; classes: string; vocab: string; embeddings: string };
  udEwt: { train: string; dev: string; test: string };
  snli: { train: string; dev: string; test: string };
}

/**
 * The file layout of the four corpora under `dataDir` (as `../shared/data` and the samples have it).
 * Apps take `--data <dir>` and read these paths.
 */
export function datasetFiles(dataDir: string): DatasetFiles {
  const d = (...p: string[]) => join(dataDir, ...p);
  return {
    ptb: {
      train: d('ptb', 'ptb.train.txt'),
      valid: d('ptb', 'ptb.valid.txt'),
      test: d('ptb', 'ptb.test.txt'),
    },
    thucnews: {
      train: d('thucnews', 'train.txt'),
      dev: d('thucnews', 'dev.txt'),
      test: d('thucnews', 'test.txt'),
      classes: d('thucnews', 'class.txt'),
      vocab: d('thucnews', 'vocab.json'),
      embeddings: d('thucnews', 'embedding_Tencent.npz'),
    },
    udEwt: {
      train: d('ud-english-ewt', 'en_ewt-ud-train.conllu'),
      dev: d('ud-english-ewt', 'en_ewt-ud-dev.conllu'),
      test: d('ud-english-ewt', 'en_ewt-ud-test.conllu'),
    },
    snli: {
      train: d('snli', 'snli_1.0_train_0.01.jsonl'),
      dev: d('snli', 'snli_1.0_dev.jsonl'),
      test: d('snli', 'snli_1.0_test.jsonl'),
    },
  };
}
