import type { Backend, Storage } from '../backend/backend';

/**
 * Reference-counted storage shared by tensors that view the same data (e.g. `reshape`).
 * Storage is immutable, so sharing is always safe; it is released when the last tensor lets go.
 */
export class DataRef {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    readonly bytes: number,
  ) {
    stats(backend.name).bytes += bytes;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      stats(this.backend.name).bytes -= this.bytes;
      this.backend.release(this.storage);
    }
  }
}

/** Live tensor and byte counts per backend, kept by the tensor layer. */
export interface TensorStats {
  tensors: number;
  bytes: number;
}

const perBackend = new Map<string, TensorStats>();

export function stats(backendName: string): TensorStats {
  let s = perBackend.get(backendName);
  if (!s) {
    s = { tensors: 0, bytes: 0 };
    perBackend.set(backendName, s);
  }
  return s;
}

export function allStats(): ReadonlyMap<string, TensorStats> {
  return perBackend;
}
