/**
 * `@rnn/data`: vocabularies, tokenizers, corpus readers with exact line numbers, batching, data
 * loaders and pretrained embeddings. This entry is browser-safe (no Node modules): parsers take a
 * string or UTF-8 bytes, or lines pushed one by one. File reading lives in `@rnn/data/node`.
 *
 * @packageDocumentation
 */

export {
  type AlignedEmbeddings,
  type AlignOptions,
  alignEmbeddings,
  vectorsFromMatrix,
} from './embeddings/align';
export { type NpyArray, parseNpy, parseNpz, parseNpzAsync } from './embeddings/npy';
export {
  parseTextVectors,
  type TextVectorsData,
  type TextVectorsOptions,
  TextVectorsParser,
  type WordVectors,
} from './embeddings/text-vectors';
export {
  crc32,
  extractZipEntry,
  extractZipEntryAsync,
  type InflateRaw,
  readZipEntries,
  type ZipEntry,
} from './embeddings/zip';
export { DataFormatError } from './errors';
export {
  type BatchifyOptions,
  type BpttOptions,
  type BpttWindow,
  batchify,
  bpttWindowCount,
  bpttWindows,
} from './loading/bptt';
export {
  type CollatedBatch,
  type CollateOptions,
  type PaddedBatch,
  type PadOptions,
  padBatch,
  padCollate,
  type SequenceExample,
} from './loading/collate';
export { DataLoader, type DataLoaderOptions, type DataLoaderState } from './loading/data-loader';
export { ArrayDataset, type Dataset, MappedDataset, Subset } from './loading/dataset';
export { SeededRandom, type SeededRandomState } from './loading/random';
export {
  type BatchSampler,
  type BatchSamplerOptions,
  BucketBatchSampler,
  type BucketBatchSamplerOptions,
  RandomBatchSampler,
} from './loading/samplers';
export {
  type ClassificationData,
  type ClassificationExample,
  type ClassificationOptions,
  ClassificationParser,
  padOrTruncate,
  parseClassification,
  parseClassList,
} from './readers/classification';
export {
  type ConlluData,
  type ConlluOptions,
  ConlluParser,
  type ConlluSentence,
  parseConllu,
  UPOS_TAGS,
} from './readers/conllu';
export { type LmCorpus, type LmCorpusOptions, LmCorpusParser, parseLmCorpus } from './readers/lm-corpus';
export {
  parseSnli,
  SNLI_LABELS,
  type SnliData,
  type SnliLabel,
  type SnliOptions,
  type SnliPair,
  SnliParser,
} from './readers/snli';
export {
  type BinaryParse,
  checkTransitions,
  formatBinaryBracketing,
  type ParseProblem,
  parseBinaryBracketing,
  REDUCE,
  SHIFT,
} from './readers/transitions';
export { type DataIssue, type DataReport, MAX_ISSUES, type ReadOptions } from './report';
export {
  type Line,
  LineDecoder,
  type LineParser,
  linesOf,
  linesOfString,
  parseLines,
  type TextSource,
} from './text/lines';
export {
  type CharTokenizerOptions,
  charTokenizer,
  type RegexTokenizerOptions,
  regexTokenizer,
  type Tokenizer,
  type TokenizerOptions,
  whitespaceTokenizer,
} from './text/tokenizers';
export {
  BOS,
  EOS,
  PAD,
  UNK,
  Vocab,
  type VocabBuildOptions,
  type VocabFromTokensOptions,
  type VocabJSON,
} from './text/vocab';
