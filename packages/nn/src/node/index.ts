/**
 * `@rnn/nn/node`: the file helpers of `@rnn/nn` (Node.js only): atomic writes, safetensors files and
 * checkpoints on disk. The main entry stays free of Node imports, so it bundles for browsers; there,
 * use the in-memory forms (`saveSafetensors`, `loadSafetensors`, `serializeCheckpoint`,
 * `restoreCheckpoint`) with whatever storage the page has.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '@rnn/tensor';
import {
  type CheckpointContents,
  type CheckpointInfo,
  type CheckpointTargets,
  type LoadCheckpointOptions,
  restoreCheckpoint,
  serializeCheckpoint,
} from '../serialization/checkpoint';
import {
  type LoadSafetensorsOptions,
  loadSafetensors,
  saveSafetensorsAsync,
} from '../serialization/safetensors';

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, flushed to disk
 * (`fsync`), then renamed over `path`, and the directory synced. A crash at any moment leaves either
 * the old file or the new one, never a mix; on failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const unique = `${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(dir, `.${basename(path)}.${unique}.tmp`);
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  // Make the rename itself durable. Some platforms (Windows) cannot open a directory; the rename is
  // atomic there all the same.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // not supported here
  }
}

/** Saves a state dict as a safetensors file, atomically (see {@link writeFileAtomic}). */
export async function saveSafetensorsFile(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, await saveSafetensorsAsync(tensors, metadata));
}

/** Loads a safetensors file into tensors (see {@link loadSafetensors}). */
export async function loadSafetensorsFile(
  path: string,
  options: LoadSafetensorsOptions = {},
): Promise<Record<string, Tensor>> {
  const bytes = await fs.readFile(path);
  return loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
}

/**
 * Saves model + optimizer + scheduler + generator states + step to `path`, atomically: written to a
 * temporary file beside it, fsynced, then renamed over it, so a crash mid-save leaves the previous
 * checkpoint intact (Node.js only).
 *
 * @example
 * ```ts
 * await saveCheckpoint('run/last.ckpt', { model, optimizer, scheduler, step });
 * // later, to resume exactly:
 * const { step } = await loadCheckpoint('run/last.ckpt', { model, optimizer, scheduler });
 * ```
 */
export async function saveCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  await writeFileAtomic(path, await serializeCheckpoint(contents));
}

/** Loads a checkpoint file written by {@link saveCheckpoint} (see {@link restoreCheckpoint}). */
export async function loadCheckpoint(
  path: string,
  targets: CheckpointTargets,
  options: LoadCheckpointOptions = {},
): Promise<CheckpointInfo> {
  const bytes = await fs.readFile(path);
  return restoreCheckpoint(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    targets,
    options,
  );
}
