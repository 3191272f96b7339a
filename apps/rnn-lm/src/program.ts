import type { Program } from '@rnn/train/node';
import { evalCommand, sample, train } from './commands';

/** The `rnn-lm` command line: `train | eval | sample`. */
export const program: Program = {
  name: 'rnn-lm',
  description:
    'A word-level LSTM language model on the Penn Treebank: train it, measure its perplexity, sample text.',
  commands: { train, eval: evalCommand, sample },
};
