import { BACKEND_NAMES } from '../backend';
import { flags } from './flags';

/**
 * The flags every app's `train` command has: `--data DIR` (default: the quick demo on the repo's
 * samples), `--out DIR`, `--backend cpu|webgpu|cuda`, `--seed N`, `--resume`, `--overwrite`.
 * Spread them into the command's flags next to its hyper-parameters.
 *
 * @example
 * ```ts
 * const train = defineCommand({
 *   description: 'Train the tagger.',
 *   flags: { ...trainFlags({ out: 'runs/pos-tagger' }), epochs: flags.int({ help: 'epochs', default: 20, min: 1 }) },
 *   run: async (config) => { ... },
 * });
 * ```
 */
export function trainFlags(defaults: { out: string }) {
  return {
    data: flags.path({
      help: 'data folder (default: the samples shipped with the repo, the quick demo)',
      mustExist: 'dir',
    }),
    out: flags.path({
      help: 'output folder: metrics, checkpoints, report',
      default: defaults.out,
      valueName: 'DIR',
    }),
    backend: flags.choice(BACKEND_NAMES, { help: 'compute backend', default: 'cpu' }),
    seed: flags.int({ help: 'random seed (weights, shuffles, dropout)', default: 0, min: 0 }),
    resume: flags.boolean({ help: 'continue the run in --out from its last checkpoint, exactly' }),
    overwrite: flags.boolean({
      help: 'start over in an --out that already holds a run (deletes it; ignored with --resume)',
    }),
  };
}

/**
 * The flags of an app's `eval`, `predict` and `sample` commands: `--checkpoint FILE` (required),
 * `--data DIR`, `--out DIR` (optional), `--backend`, `--seed`.
 */
export function checkpointFlags() {
  return {
    checkpoint: flags.path({ help: 'checkpoint to load (.safetensors)', required: true, mustExist: 'file' }),
    data: flags.path({ help: 'data folder (default: the samples shipped with the repo)', mustExist: 'dir' }),
    out: flags.path({ help: 'folder for what the command writes (report, predictions)', valueName: 'DIR' }),
    backend: flags.choice(BACKEND_NAMES, { help: 'compute backend', default: 'cpu' }),
    seed: flags.int({ help: 'random seed (sampling)', default: 0, min: 0 }),
  };
}
