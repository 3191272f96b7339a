import { initializedBackend } from '../backend/registry';
import { allStats } from './data-ref';

/** Live tensors and bytes, in total and per backend (the backend's own buffer count too). */
export interface MemoryInfo {
  tensors: number;
  bytes: number;
  backends: Record<string, { tensors: number; bytes: number; buffers: number; backendBytes: number }>;
}

/**
 * Memory in use: live tensor objects and the bytes of their storage, per backend. A training loop
 * that leaks nothing keeps these flat from step to step.
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
