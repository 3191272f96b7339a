import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArrayDataset, BucketBatchSampler, DataLoader, SNLI_LABELS, type SnliPair, Vocab } from '@rnn/data';
import { datasetFiles, readSnliFile, samplesDir } from '@rnn/data/node';
import { tensor } from '@rnn/tensor';
import type { PairBatch } from './model/classifier';
import type { SpinnSentence } from './model/spinn';

export const LABELS = SNLI_LABELS;

/** A sentence as the model reads it: word ids and the parser's transitions. */
export interface EncodedSentence {
  ids: Int32Array;
  transitions: number[];
}

/** A pair of sentences with its label (and what it came from, for reports). */
export interface EncodedPair {
  premise: EncodedSentence;
  hypothesis: EncodedSentence;
  label: number;
  pairId: string;
}

/** The splits a run uses, as text, and where they came from. */
export interface Splits {
  train: SnliPair[];
  valid: SnliPair[];
  test: SnliPair[];
  /** One line per split: file, pairs, and how dev was divided. */
  description: string[];
  files: { train: string; dev: string; test: string };
}

/** How to read the data (the `train` flags that shape it). */
export interface DataOptions {
  /** Data folder with `snli/` (default: the repo's samples). */
  data?: string;
  /** The training file instead of the folder's (the full `snli_1.0_train.jsonl`, say). */
  trainFile?: string;
  /** Share of SNLI dev's captions moved into training (0: none); the rest of dev selects the model. */
  devTrain: number;
  /** At most this many training pairs (0: all), the first ones of the file. */
  maxTrain?: number;
  lowercase: boolean;
}

/**
 * `captionID` of a pair (`4705552913.jpg#2r1n` → `4705552913.jpg#2`): SNLI writes several hypotheses
 * per premise caption, so dev is divided by caption, never a premise on both sides.
 */
export function captionOf(pairId: string): string {
  const r = pairId.lastIndexOf('r');
  return r > 0 ? pairId.slice(0, r) : pairId;
}

/** A stable share in [0, 1) of a string (FNV-1a), independent of the seed and of the file's order. */
export function hashShare(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/** The SNLI files of a run: the folder's (or the samples'), the full train file when it is there. */
export function snliFiles(options: Pick<DataOptions, 'data' | 'trainFile'>): Splits['files'] {
  const files = datasetFiles(options.data ?? samplesDir()).snli;
  const full = join(dirname(files.train), 'snli_1.0_train.jsonl');
  return { ...files, train: options.trainFile ?? (existsSync(full) ? full : files.train) };
}

/**
 * Reads SNLI (pairs without a gold label are dropped by the reader) and divides dev: the captions
 * whose hash falls below `devTrain` join the training pairs, the others are the validation split.
 */
export async function readSplits(options: DataOptions): Promise<Splits> {
  const files = snliFiles(options);
  const read = (f: string) => readSnliFile(f, { lowercase: options.lowercase });
  const [train, dev, test] = await Promise.all([read(files.train), read(files.dev), read(files.test)]);
  let trainPairs = train.pairs;
  if (options.maxTrain && options.maxTrain > 0) trainPairs = trainPairs.slice(0, options.maxTrain);
  const devTrain = dev.pairs.filter((p) => hashShare(captionOf(p.pairId)) < options.devTrain);
  const valid = dev.pairs.filter((p) => hashShare(captionOf(p.pairId)) >= options.devTrain);
  const description = [
    `train: ${trainPairs.length} pairs of ${files.train}` +
      (devTrain.length > 0
        ? ` + ${devTrain.length} pairs of dev (${(options.devTrain * 100).toFixed(0)}% of its captions)`
        : ''),
    `valid: ${valid.length} pairs of ${files.dev}${devTrain.length > 0 ? ' (the other captions; model selection)' : ''}`,
    `test: ${test.pairs.length} pairs of ${files.test}`,
  ];
  return { train: [...trainPairs, ...devTrain], valid, test: test.pairs, description, files };
}

/** The vocabulary of the training pairs: `<pad>` (0), `<unk>` (1), then words seen `minFreq` times. */
export function buildVocab(
  pairs: readonly SnliPair[],
  minFreq: number,
  extra: readonly string[] = [],
): Vocab {
  const streams = pairs.flatMap((p) => [p.premise, p.hypothesis]);
  if (extra.length > 0) streams.push([...extra]);
  return Vocab.build(streams, { specials: ['<pad>', '<unk>'], minFreq });
}

export function encodePairs(pairs: readonly SnliPair[], vocab: Vocab): EncodedPair[] {
  return pairs.map((p) => ({
    premise: { ids: vocab.encode(p.premise), transitions: p.premiseTransitions },
    hypothesis: { ids: vocab.encode(p.hypothesis), transitions: p.hypothesisTransitions },
    label: p.labelId,
    pairId: p.pairId,
  }));
}

/** Pairs → the model's batch: premises then hypotheses, word after word, with their transitions. */
export function collatePairs(pairs: readonly EncodedPair[]): PairBatch {
  const sentences: EncodedSentence[] = [...pairs.map((p) => p.premise), ...pairs.map((p) => p.hypothesis)];
  const total = sentences.reduce((n, s) => n + s.ids.length, 0);
  const ids = new Int32Array(total);
  let offset = 0;
  for (const s of sentences) {
    ids.set(s.ids, offset);
    offset += s.ids.length;
  }
  return {
    ids: tensor(ids),
    sentences: sentences.map((s): SpinnSentence => ({ length: s.ids.length, transitions: s.transitions })),
    labels: tensor(Int32Array.from(pairs.map((p) => p.label))),
    size: pairs.length,
  };
}

/** Longest sentence of a pair: what a SPINN batch's step count follows. */
const pairLength = (p: EncodedPair) => Math.max(p.premise.ids.length, p.hypothesis.ids.length);

/**
 * Training batches, length-bucketed (`BucketBatchSampler`: shuffled, pools of 50 batches sorted by
 * the longer sentence, batches shuffled): SPINN runs `2n − 1` steps for the longest sentence of a
 * batch, so similar lengths save most of the work. Shuffles come from the default generator; the
 * loader's position goes into checkpoints (exact resume).
 */
export function trainLoader(
  pairs: readonly EncodedPair[],
  batchSize: number,
): DataLoader<EncodedPair, PairBatch> {
  // A last batch of one pair would stop BatchNorm in training (one value per channel): left out.
  const dropLast = pairs.length > 1 && pairs.length % batchSize === 1;
  return new DataLoader(new ArrayDataset([...pairs]), {
    batchSampler: new BucketBatchSampler(pairs.map(pairLength), { batchSize, dropLast }),
    collate: (examples) => collatePairs(examples),
  });
}

/** Evaluation batches in a fixed order (sorted by length), with the indices of their pairs. */
export function* evalBatches(
  pairs: readonly EncodedPair[],
  batchSize: number,
): Generator<{ batch: PairBatch; indices: number[] }> {
  const order = pairs.map((_, i) => i).sort((a, b) => pairLength(pairs[a]) - pairLength(pairs[b]) || a - b);
  for (let i = 0; i < order.length; i += batchSize) {
    const indices = order.slice(i, i + batchSize);
    yield { batch: collatePairs(indices.map((k) => pairs[k])), indices };
  }
}
