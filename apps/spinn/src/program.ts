import type { Program } from '@rnn/train/node';
import { bench, compare, evalCommand, predict, summarize, train } from './commands';

/** The `spinn` command line: `train | eval | predict | bench | summarize | compare`. */
export const program: Program = {
  name: 'spinn',
  description:
    'SPINN on SNLI (Bowman et al. 2016): a batched shift-reduce TreeLSTM sentence encoder with a tracker,\n' +
    'its REINFORCE-trained variant, and bag-of-words and LSTM baselines.',
  commands: { train, eval: evalCommand, predict, bench, summarize, compare },
};
