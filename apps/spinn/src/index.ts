/**
 * `@rnn/spinn` as a library: the batched SPINN encoder, its Reduce and Tracker, the NLI classifier
 * with SPINN, bag-of-words and LSTM encoders, and tree utilities. The `spinn` command line is
 * `src/cli.ts`; `packages/bench`'s workload D builds its model from here.
 *
 * @packageDocumentation
 */
export {
  type ClassifyOptions,
  type ClassifyOutput,
  type EncoderKind,
  NliClassifier,
  type NliConfig,
  type PairBatch,
} from './model/classifier';
export { Reduce } from './model/reduce';
export {
  REDUCE,
  SHIFT,
  Spinn,
  type SpinnConfig,
  type SpinnForwardOptions,
  type SpinnOutput,
  type SpinnSentence,
  type TransitionPolicy,
} from './model/spinn';
export { Tracker } from './model/tracker';
export {
  leftBranching,
  randomTransitions,
  rightBranching,
  seededUniform,
  spanMatches,
  TreeStats,
  treeDepth,
  treeSpans,
} from './model/trees';
