/**
 * `@rnn/data/node`: streaming file readers for Node (node:fs, node:zlib), on top of the
 * browser-safe parsers of `@rnn/data`, plus the shipped samples and the corpora's file layout.
 *
 * @packageDocumentation
 */
export {
  type DatasetFiles,
  datasetFiles,
  parseFile,
  readClassificationFile,
  readClassListFile,
  readConlluFile,
  readFileLines,
  readLmCorpusFile,
  readNpzFile,
  readSnliFile,
  readTextVectorsFile,
  readVocabFile,
  samplesDir,
  writeVocabFile,
} from './files';
