import { initializedBackend } from '../backend/registry';
import { allStats } from './data-ref';

/** Live tensors and bytes, in total and per backend (the backend's own buffer count too). */
export interface MemoryInfo {
  tensors: number;
  bytes: number;
  backends: Record<string, { tensors: number; bytes: number; buffers: number; backendBytes: number }>;
}

/**
 * Memory in use: live tensors and the bytes of their storage, per backend, and the backend's own counts
 * (`buffers`, `backendBytes`; storage shared by views counts once there). A tensor counts until it is
 * disposed (by `dispose()`, a scope, or `backward()` freeing what it owned) or until the garbage
 * collector reports that it was collected. Those reports arrive between event-loop tasks: in a loop
 * that never yields, tensors dropped without `dispose()` stay counted until it does, although their
 * memory is reclaimed during the loop (RSS stays flat). After an `await` the counts are exact, and a
 * loop that leaks nothing keeps them flat from step to step.
 */
export function memory(): MemoryInfo {
  const info: MemoryInfo = { tensors: 0, bytes: 0, backends: {} };
  for (const [name, s] of allStats()) {
    const b = initializedBackend(name)?.memory() ?? { buffers: 0, bytes: 0 };
    info.backends[name] = { tensors: s.tensors, bytes: s.bytes, buffers: b.buffers, backendBytes: b.bytes };
    info.tensors += s.tensors;
    info.bytes += s.bytes;
  }
  return info;
}
