import type { Program } from '@rnn/train/node';
import { compare, evalCommand, predict, train } from './commands';

/** The `text-classifier` command line: `train | eval | predict | compare`. */
export const program: Program = {
  name: 'text-classifier',
  description: 'THUCNews headline classification with a 2-layer BiLSTM (character embeddings, 10 classes).',
  commands: { train, eval: evalCommand, predict, compare },
};
