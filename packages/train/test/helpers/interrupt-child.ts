// Child process of interrupt.test.ts: trains the tiny model "forever", printing each step's loss,
// until the test sends SIGINT or SIGTERM; then fit writes a checkpoint and the process exits 130/143.
import { fit } from '../../src';
import { CheckpointManager, interruptSignal, ProgressBar, signalExitCode } from '../../src/node';
import { tinyRun } from './tiny';

// vite-node's dev server exits on SIGTERM by itself; a real app has no such listener.
process.removeAllListeners('SIGTERM');
const run = tinyRun(0);
const interrupt = interruptSignal();
const result = await fit({
  ...run.options,
  epochs: 100_000,
  checkpoints: new CheckpointManager(process.env.CKPT_DIR as string),
  signal: interrupt.signal,
  progress: new ProgressBar({ plainInterval: 3600 }), // not a TTY here: prints fit's notices only
  trainStep: async (batch, ctx) => {
    const out = await run.options.trainStep(batch);
    process.stdout.write(`step ${ctx.step} ${out.loss}\n`);
    const until = Date.now() + 4; // slow enough that the signal lands during training
    while (Date.now() < until) {}
    return out;
  },
});
interrupt.dispose();
process.stdout.write(`${result.status} at step ${result.progress.step}\n`);
process.exitCode = result.status === 'interrupted' ? signalExitCode(result.reason) : 0;
