import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CheckpointInfo,
  type CheckpointTargets,
  decodeJson,
  readSafetensorsHeader,
  restoreCheckpoint,
  serializeCheckpoint,
} from '@rnn/nn';
import { writeFileAtomic } from '@rnn/nn/node';
import { DataFormatError, ValueError } from '@rnn/tensor';
import type {
  CheckpointParts,
  CheckpointStore,
  SaveCheckpointOptions,
  TrainingProgress,
} from '../training/types';

/**
 * A checkpoint file that cannot be used: missing, truncated, corrupt, not a training checkpoint, or
 * made for another model. A `DataFormatError` whose `file` is the checkpoint's path; the message
 * starts with it. The underlying error is `cause`.
 */
export class CheckpointError extends DataFormatError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(file, 0, detail);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** What {@link CheckpointManager} stores as JSON beside the tensors (the `extra` of `@rnn/nn`'s checkpoint). */
export interface TrainingCheckpointExtra {
  /** Marks a checkpoint of `@rnn/train`. */
  format: 'rnn-train';
  /** Version of this layout. */
  version: 1;
  /** Where the run stood. */
  progress: TrainingProgress;
  /** The data loader's position (`DataLoader.stateDict()`), when one was given. */
  loader?: unknown;
  /** The app's own data: its configuration, class names, vocabulary size, ... */
  meta?: unknown;
}

/** Options of {@link CheckpointManager}. */
export interface CheckpointManagerOptions {
  /** Epoch checkpoints kept (default 3): older `epoch-*.safetensors` files are deleted. */
  keepLast?: number;
  /** Stored in every checkpoint (e.g. the hyper-parameters, so `eval` can rebuild the model). */
  meta?: unknown;
}

/**
 * Checkpoints of a run in one folder, written atomically (temporary file, fsync, rename) with
 * `@rnn/nn`'s checkpoint format (model weights as safetensors tensors `model.<PyTorch name>`, the
 * optimizer, scheduler and random-generator states, and JSON extras):
 *
 * - `epoch-0007.safetensors` after each epoch, the last `keepLast` kept;
 * - `best.safetensors` whenever the monitored validation metric improves;
 * - `last.safetensors`, the newest of all, including those written after an evaluation inside an
 *   epoch and when training is interrupted: what `restoreLatest` (and so `--resume`) continues from.
 *
 * Every checkpoint holds the training progress (epoch, step, position in the epoch, metrics so far),
 * the data loader's position and the run's `meta`. A file that cannot be used is a
 * {@link CheckpointError} naming it; there is never a silent fresh start.
 */
export class CheckpointManager implements CheckpointStore {
  /** The folder. */
  readonly dir: string;
  /** Epoch checkpoints kept. */
  readonly keepLast: number;
  /** Stored in every checkpoint. */
  meta: unknown;

  constructor(dir: string, options: CheckpointManagerOptions = {}) {
    this.dir = dir;
    this.keepLast = options.keepLast ?? 3;
    if (!Number.isInteger(this.keepLast) || this.keepLast < 1) {
      throw new ValueError(`CheckpointManager: keepLast must be a positive integer, got ${this.keepLast}`);
    }
    this.meta = options.meta;
  }

  /** `last.safetensors`: the newest checkpoint. */
  get lastPath(): string {
    return join(this.dir, 'last.safetensors');
  }

  /** `best.safetensors`: the checkpoint of the best validation score. */
  get bestPath(): string {
    return join(this.dir, 'best.safetensors');
  }

  /** The file of the checkpoint after `epoch`. */
  epochPath(epoch: number): string {
    return join(this.dir, `epoch-${String(epoch).padStart(4, '0')}.safetensors`);
  }

  /** Saves a checkpoint (see the class description); returns the epoch file, else `last`. */
  async save(
    parts: CheckpointParts,
    progress: TrainingProgress,
    options: SaveCheckpointOptions,
  ): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const extra: TrainingCheckpointExtra = { format: 'rnn-train', version: 1, progress };
    if (parts.loader) extra.loader = parts.loader.stateDict();
    if (this.meta !== undefined) extra.meta = this.meta;
    const bytes = await serializeCheckpoint({
      model: parts.model,
      optimizer: parts.optimizer,
      scheduler: parts.scheduler,
      step: progress.step,
      extra,
    });
    let written = this.lastPath;
    if (options.reason === 'epoch') {
      written = this.epochPath(progress.epoch);
      await writeFileAtomic(written, bytes);
      await this.prune();
    }
    if (options.best) await writeFileAtomic(this.bestPath, bytes);
    await writeFileAtomic(this.lastPath, bytes);
    return written;
  }

  /** Restores `last.safetensors` into `parts`; undefined when the folder has none. */
  async restoreLatest(
    parts: CheckpointParts,
  ): Promise<{ progress: TrainingProgress; path: string } | undefined> {
    if (!existsSync(this.lastPath)) return undefined;
    const { progress } = await loadTrainingCheckpoint(this.lastPath, parts);
    return { progress, path: this.lastPath };
  }

  /** The epoch checkpoints present, oldest first. */
  async epochFiles(): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    const names = (await readdir(this.dir)).filter((n) => /^epoch-\d+\.safetensors$/.test(n)).sort();
    return names.map((n) => join(this.dir, n));
  }

  private async prune(): Promise<void> {
    const files = await this.epochFiles();
    for (const f of files.slice(0, Math.max(0, files.length - this.keepLast))) await rm(f, { force: true });
  }
}

/** What {@link loadTrainingCheckpoint} returns besides restoring the parts. */
export interface LoadedTrainingCheckpoint {
  /** Where the run stood when the checkpoint was written. */
  progress: TrainingProgress;
  /** The run's `meta` (see {@link CheckpointManagerOptions.meta}). */
  meta: unknown;
  /** The step, extras and random-generator state as `@rnn/nn` read them. */
  info: CheckpointInfo;
}

/**
 * Restores a training checkpoint file into `parts` (model, optimizer, scheduler, data loader; and
 * the default random generator unless `restoreRng` is false). Any problem, from a missing or
 * truncated file to a model of another shape, is a {@link CheckpointError} naming the file.
 */
export async function loadTrainingCheckpoint(
  path: string,
  parts: CheckpointParts,
  options: { restoreRng?: boolean; strict?: boolean } = {},
): Promise<LoadedTrainingCheckpoint> {
  const bytes = await readCheckpointBytes(path);
  const extra = readExtra(path, bytes);
  if (parts.loader && extra.loader === undefined) {
    throw new CheckpointError(path, 'holds no data-loader position, but a loader was given to restore');
  }
  const targets: CheckpointTargets = {
    model: parts.model,
    optimizer: parts.optimizer,
    scheduler: parts.scheduler,
  };
  let info: CheckpointInfo;
  try {
    info = restoreCheckpoint(bytes, targets, options);
    if (parts.loader) parts.loader.loadStateDict(extra.loader);
  } catch (e) {
    throw wrap(path, e, 'cannot be restored');
  }
  return { progress: extra.progress, meta: extra.meta, info };
}

/**
 * Loads only the model weights of a checkpoint (for `eval`, `predict`, `sample`), leaving the random
 * generator alone. Errors are {@link CheckpointError}s naming the file.
 */
export async function loadModelFromCheckpoint(
  path: string,
  model: CheckpointParts['model'],
): Promise<LoadedTrainingCheckpoint> {
  return loadTrainingCheckpoint(path, { model }, { restoreRng: false });
}

/**
 * The JSON of a training checkpoint (progress, `meta`) without loading any tensor: what `eval`
 * needs to rebuild the model before loading its weights.
 */
export async function readCheckpointMeta(
  path: string,
): Promise<{ progress: TrainingProgress; meta: unknown }> {
  const extra = readExtra(path, await readCheckpointBytes(path));
  return { progress: extra.progress, meta: extra.meta };
}

async function readCheckpointBytes(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (e as Error).message;
    throw new CheckpointError(path, `cannot read the checkpoint: ${why}`, { cause: e });
  }
}

function readExtra(path: string, bytes: Uint8Array): TrainingCheckpointExtra {
  let metadata: Record<string, string>;
  try {
    metadata = readSafetensorsHeader(bytes).metadata;
  } catch (e) {
    throw wrap(path, e, 'is not a valid checkpoint');
  }
  if (metadata.format !== 'rnn-checkpoint') {
    throw new CheckpointError(
      path,
      `expected an @rnn checkpoint (safetensors metadata format "rnn-checkpoint"), got ${JSON.stringify(metadata.format)}`,
    );
  }
  let extra: unknown;
  try {
    extra = metadata.extra === undefined ? undefined : decodeJson(metadata.extra);
  } catch (e) {
    throw new CheckpointError(path, `metadata "extra" is not valid JSON (${(e as Error).message})`, {
      cause: e,
    });
  }
  const x = extra as Partial<TrainingCheckpointExtra> | undefined;
  const p = x?.progress as Partial<TrainingProgress> | undefined;
  const valid =
    x?.format === 'rnn-train' &&
    x.version === 1 &&
    p !== undefined &&
    ['epoch', 'batch', 'step', 'elapsed'].every((k) => typeof p[k as keyof TrainingProgress] === 'number') &&
    Array.isArray(p.history);
  if (!valid) {
    throw new CheckpointError(
      path,
      'expected a training checkpoint of @rnn/train (metadata "extra" with format "rnn-train", version 1 and ' +
        'the training progress), got ' +
        (x?.format === undefined ? 'none' : `format ${JSON.stringify(x.format)}`) +
        ' (for model weights only, use loadSafetensorsFile of @rnn/nn)',
    );
  }
  return x as TrainingCheckpointExtra;
}

function wrap(path: string, e: unknown, what: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const detail = e instanceof DataFormatError ? e.detail : (e as Error).message;
  return new CheckpointError(path, `${what}: ${detail}`, { cause: e });
}
