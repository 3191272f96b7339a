import type { Backend, Storage } from '../backend/backend';
import { processWide } from '../engine/process-state';

/** Live tensor and byte counts per backend, kept by the tensor layer. */
export interface TensorStats {
  tensors: number;
  bytes: number;
}

const perBackend = processWide('tensorStats/v1', () => new Map<string, TensorStats>());

/** @internal The live counts of one backend (created on first use). */
export function stats(backendName: string): TensorStats {
  let s = perBackend.get(backendName);
  if (!s) {
    s = { tensors: 0, bytes: 0 };
    perBackend.set(backendName, s);
  }
  return s;
}

/** @internal The live counts of every backend seen so far. */
export function allStats(): ReadonlyMap<string, TensorStats> {
  return perBackend;
}

/**
 * The bookkeeping of one storage buffer, kept apart from the storage itself: how many tensors hold it
 * and what the backend needs to free it after a collection (`Backend.collectable`). The collector's
 * callback holds a lease, never the storage, so an unreachable tensor's typed array is reclaimed by
 * V8 during any loop, even one that never yields to the event loop.
 */
export class Lease {
  /** Tensors holding the storage (released explicitly or collected). */
  holders = 1;
  /** The backend's live counts (looked up once: every tensor made and freed updates them). */
  readonly stats: TensorStats;
  constructor(
    readonly backend: Backend,
    readonly bytes: number,
    private readonly token: unknown,
  ) {
    this.stats = stats(backend.name);
    this.stats.bytes += bytes;
  }

  /** A holder let go explicitly: the last one gives the storage back (the fast path, into pools). */
  release(storage: Storage): void {
    if (--this.holders === 0) {
      this.stats.bytes -= this.bytes;
      this.backend.release(storage);
    }
  }

  /** A holder was garbage-collected: the last one lets the backend reclaim what the collector cannot. */
  collected(): void {
    if (--this.holders === 0) {
      this.stats.bytes -= this.bytes;
      this.backend.reclaim(this.token);
    }
  }
}

/**
 * Storage shared by tensors that view the same data (e.g. `reshape`, `detach`). Storage is immutable,
 * so sharing is always safe; it is freed when the last tensor lets go.
 */
export class DataRef {
  /** The backend that made the storage (the lease's, kept here too: read on every op). */
  readonly backend: Backend;

  constructor(
    readonly storage: Storage,
    readonly lease: Lease,
  ) {
    this.backend = lease.backend;
  }

  static create(backend: Backend, storage: Storage, bytes: number): DataRef {
    return new DataRef(storage, new Lease(backend, bytes, backend.collectable(storage)));
  }

  /** Tensors sharing this storage. */
  get holders(): number {
    return this.lease.holders;
  }

  /** One more tensor holds the storage. */
  retain(): this {
    this.lease.holders++;
    return this;
  }

  release(): void {
    this.lease.release(this.storage);
  }
}
