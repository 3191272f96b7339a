import { existsSync } from 'node:fs';
import { EOS, type LmCorpus, UNK, Vocab } from '@rnn/data';
import { datasetFiles, readLmCorpusFile, samplesDir } from '@rnn/data/node';
import { DataFormatError } from '@rnn/tensor';

/** A corpus file read as one id stream (`<eos>` after every line). */
export interface EncodedText {
  /** The file. */
  file: string;
  /** Word ids, `<eos>` included. */
  ids: Int32Array;
  /** Lines read. */
  lines: number;
  /** Words not in the vocabulary, each read as `<unk>` (a literal `<unk>` in the text is not counted). */
  unknown: number;
  /** The most frequent of those words, with their counts (at most 10). */
  unknownExamples: [string, number][];
}

/** The three splits of PTB, encoded with the vocabulary of its training split. */
export interface Corpus {
  /** The folder the files came from (`--data`, or the repo's sample). */
  dir: string;
  vocab: Vocab;
  train: EncodedText;
  valid: EncodedText;
  test: EncodedText;
}

/**
 * The vocabulary of a training stream: `<unk>` and `<eos>` first (ids 0 and 1, present even when the
 * text has none), then the words by decreasing count. On the full PTB it has the usual 10,000 words.
 */
export function buildVocab(trainTokens: readonly string[]): Vocab {
  return Vocab.build([trainTokens], { specials: [UNK, EOS], unkToken: UNK });
}

/**
 * Reads a file in the corpus format (one sentence per line, words separated by spaces) and encodes
 * it; words the vocabulary lacks become `<unk>` and are counted. A missing or empty file, or one with
 * invalid UTF-8 or control characters, is a `DataFormatError` naming the file (and line).
 */
export async function readEncoded(file: string, vocab: Vocab): Promise<EncodedText> {
  return encode(await readCorpusText(file), vocab);
}

async function readCorpusText(file: string): Promise<LmCorpus & { file: string }> {
  if (!existsSync(file)) {
    throw new DataFormatError(file, 0, 'expected a text file in the corpus format, got no such file');
  }
  return { ...(await readLmCorpusFile(file)), file };
}

function encode(text: LmCorpus & { file: string }, vocab: Vocab): EncodedText {
  const ids = new Int32Array(text.tokens.length);
  const missing = new Map<string, number>();
  text.tokens.forEach((t, i) => {
    const id = vocab.lookup(t);
    if (id === undefined) missing.set(t, (missing.get(t) ?? 0) + 1);
    ids[i] = id ?? vocab.unkId;
  });
  let unknown = 0;
  for (const n of missing.values()) unknown += n;
  const unknownExamples = [...missing].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  return { file: text.file, ids, lines: text.report.lines, unknown, unknownExamples };
}

/** The PTB files under `dir` (`ptb/ptb.{train,valid,test}.txt`), or under the repo's samples. */
export function ptbFiles(dir?: string): { dir: string; train: string; valid: string; test: string } {
  const root = dir ?? samplesDir();
  return { dir: root, ...datasetFiles(root).ptb };
}

/** Reads PTB: the vocabulary from the training split, then the three splits encoded with it. */
export async function loadCorpus(dir?: string): Promise<Corpus> {
  const files = ptbFiles(dir);
  const train = await readCorpusText(files.train);
  const vocab = buildVocab(train.tokens);
  return {
    dir: files.dir,
    vocab,
    train: encode(train, vocab),
    valid: await readEncoded(files.valid, vocab),
    test: await readEncoded(files.test, vocab),
  };
}
