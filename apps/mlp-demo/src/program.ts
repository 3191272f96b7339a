import type { Program } from '@rnn/train/node';
import { compare, evalCommand, predict, train } from './commands';

/** The `mlp-demo` command line: `train | eval | predict | compare`. */
export const program: Program = {
  name: 'mlp-demo',
  description: 'The quick demo of @rnn: an MLP learns to separate two interleaved spirals.',
  commands: { train, eval: evalCommand, predict, compare },
};
