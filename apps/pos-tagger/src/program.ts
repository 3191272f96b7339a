import type { Program } from '@rnn/train/node';
import { evalCommand, predict, train } from './commands';

/** The `pos-tagger` command line: `train | eval | predict`. */
export const program: Program = {
  name: 'pos-tagger',
  description:
    'Part-of-speech tagging on UD English EWT: word + character BiLSTM features → BiLSTM over packed batches.',
  commands: { train, eval: evalCommand, predict },
};
