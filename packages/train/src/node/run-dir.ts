import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './cli/command';
import { kebabCase } from './cli/flags';

/** The files of one training run under `--out`, the same for every app. */
export interface RunDir {
  /** The `--out` folder. */
  root: string;
  /** `metrics.jsonl`: one JSON record per logged step and per evaluation. */
  metrics: string;
  /** `checkpoints/`: `epoch-NNNN`, `best` and `last` `.safetensors`. */
  checkpoints: string;
  /** `report/`: `index.html` with the plots as SVG and PNG. */
  report: string;
  /** `summary.json`: the run summary (command, commit, machine, wall time, final metrics). */
  summary: string;
}

/** The paths of a run folder, without touching the disk. */
export function runDirPaths(root: string): RunDir {
  return {
    root,
    metrics: join(root, 'metrics.jsonl'),
    checkpoints: join(root, 'checkpoints'),
    report: join(root, 'report'),
    summary: join(root, 'summary.json'),
  };
}

/**
 * Prepares `--out` for `train`: with `resume`, it must hold a run (`checkpoints/last.safetensors`;
 * `overwrite` is then ignored: resuming never deletes anything); without, it must not (so a finished
 * run is never overwritten by accident) unless `overwrite`, which deletes the previous run's files
 * (only those: metrics, checkpoints, report, summary).
 */
export async function openRunDir(
  root: string,
  options: { resume?: boolean; overwrite?: boolean } = {},
): Promise<RunDir> {
  const dir = runDirPaths(root);
  const last = join(dir.checkpoints, 'last.safetensors');
  const hasRun = existsSync(last) || existsSync(dir.metrics);
  if (options.resume && !existsSync(last)) {
    throw new UsageError(`--resume: expected a checkpoint to continue from at ${last}, got none`);
  }
  if (!options.resume && hasRun) {
    if (!options.overwrite) {
      throw new UsageError(
        `--out ${root} already holds a run (${existsSync(last) ? last : dir.metrics}): ` +
          'pass --resume to continue it, --overwrite to start over, or another --out',
      );
    }
    for (const p of [dir.metrics, dir.checkpoints, dir.report, dir.summary])
      await rm(p, { recursive: true, force: true });
  }
  await mkdir(dir.checkpoints, { recursive: true });
  return dir;
}

/**
 * For `train --resume`: checks that the flags of this invocation match those the run was started
 * with (stored in its checkpoints), except the ones that may change on a resume (`--epochs`,
 * `--resume`, ...). A difference is a {@link UsageError} that names every differing flag, since
 * resuming with another model size or data would fail later or, worse, silently change the run.
 */
export function checkResumeConfig(
  checkpoint: string,
  saved: Record<string, unknown>,
  current: Record<string, unknown>,
  mayChange: readonly string[] = [
    'epochs',
    'resume',
    'overwrite',
    'backend',
    'out',
    'patience',
    'logEvery',
    'keepLast',
  ],
): void {
  const differing: string[] = [];
  for (const key of new Set([...Object.keys(saved), ...Object.keys(current)])) {
    if (mayChange.includes(key)) continue;
    if (JSON.stringify(saved[key]) !== JSON.stringify(current[key])) {
      differing.push(
        `--${kebabCase(key)} ${JSON.stringify(current[key])} (the run has ${JSON.stringify(saved[key])})`,
      );
    }
  }
  if (differing.length > 0) {
    throw new UsageError(
      `--resume: ${checkpoint} was trained with other settings: ${differing.join(', ')}; ` +
        'give the same flags (only --epochs and the like may change)',
    );
  }
}
