/**
 * File helpers (Node.js only). `node:fs` is imported lazily, so bundling `@rnn/nn` for a browser
 * works as long as these functions are not called there.
 */
import type { Tensor } from '@rnn/tensor';
import { type LoadSafetensorsOptions, loadSafetensors, saveSafetensorsAsync } from './safetensors';

/**
 * Writes `data` to `path` atomically: to a temporary file in the same directory, flushed to disk
 * (`fsync`), then renamed over `path`, and the directory synced. A crash at any moment leaves either
 * the old file or the new one, never a mix; on failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
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
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(path);
  return loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
}
