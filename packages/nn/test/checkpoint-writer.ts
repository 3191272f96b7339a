// Child process of checkpoint.test.ts: saves checkpoints of a large model in a loop, printing each
// completed step, until the test kills it (SIGKILL) at a random moment.
import { keep, manualSeed, randn, tensor } from '@rnn/tensor';
import { saveCheckpoint } from '../src/node/index';

const path = process.env.CKPT_PATH as string;
const size = Number(process.env.CKPT_SIZE ?? 4_000_000);
manualSeed(0);
const weight = keep(randn([size]));
const model = {
  stateDict: () => ({ weight }),
  loadStateDict: () => undefined,
};
for (let step = 1; ; step++) {
  await saveCheckpoint(path, { model, step, extra: { marker: tensor([step]).itemSync() } });
  process.stdout.write(`${step}\n`);
}
