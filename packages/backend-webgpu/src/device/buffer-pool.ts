/**
 * GPU buffers recycled by size class. Creating a buffer is a driver call (and on some platforms a
 * page-table update); a training step allocates the same sizes every time, so after the first step
 * every allocation is a pop from a free list.
 */

/** The smallest buffer handed out: tiny tensors (scalars) share one class. */
const MIN_CLASS = 256;

/**
 * The size class of a request: powers of two up to 4 KiB, then quarter steps between powers of two
 * (4 KiB, 5 KiB, 6 KiB, 7 KiB, 8 KiB, 10 KiB, ...), so no more than a fifth of a large buffer is slack.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= 4096) return pow;
  const step = pow / 8;
  return Math.ceil(bytes / step) * step;
}

/** Counters of one pool, for `memory()` and tests. */
export interface PoolStats {
  /** Buffers handed out and not yet recycled. */
  liveBuffers: number;
  /** Bytes of those buffers (size classes, not the bytes asked for). */
  liveBytes: number;
  /** Buffers waiting in the free lists. */
  freeBuffers: number;
  /** Bytes waiting in the free lists. */
  freeBytes: number;
  /** Buffers released while unsubmitted work may still read them (reusable only by later GPU work). */
  pendingBuffers: number;
  /** Buffers created since the pool was made (a flat count across steps means every allocation was reused). */
  created: number;
}

/**
 * Free lists by size class. A buffer released while recorded-but-unsubmitted commands may still read
 * it goes to a *pending* list: later commands of the same stream may write it (the GPU runs commands in
 * order, with barriers between dispatches), but a host upload may not, because `queue.writeBuffer`
 * runs ahead of the unsubmitted commands. `settle()` (after the submit) makes pending buffers free.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly pending = new Map<number, GPUBuffer[]>();
  private readonly stats: PoolStats = {
    liveBuffers: 0,
    liveBytes: 0,
    freeBuffers: 0,
    freeBytes: 0,
    pendingBuffers: 0,
    created: 0,
  };

  /**
   * @param create makes a new buffer of exactly `size` bytes.
   * @param maxFreeBytes free buffers beyond this are destroyed instead of kept.
   */
  constructor(
    private readonly create: (size: number) => GPUBuffer,
    private readonly maxFreeBytes: number,
  ) {}

  /**
   * A buffer of at least `bytes` bytes, from the free list of its size class when there is one (or,
   * with `orPending`, for a kernel output, from the pending list first).
   */
  acquire(bytes: number, orPending = false): GPUBuffer {
    const size = sizeClass(bytes);
    let buffer = orPending ? this.pending.get(size)?.pop() : undefined;
    if (buffer) {
      this.stats.pendingBuffers--;
      this.stats.liveBuffers++;
      this.stats.liveBytes += size;
      return buffer;
    }
    buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.stats.freeBuffers--;
      this.stats.freeBytes -= size;
    } else {
      buffer = this.create(size);
      this.stats.created++;
    }
    this.stats.liveBuffers++;
    this.stats.liveBytes += size;
    return buffer;
  }

  /** Takes a buffer back; `pending` when unsubmitted GPU work may still read it. */
  recycle(buffer: GPUBuffer, pending = false): void {
    const size = buffer.size;
    this.stats.liveBuffers--;
    this.stats.liveBytes -= size;
    if (pending) {
      push(this.pending, size, buffer);
      this.stats.pendingBuffers++;
      return;
    }
    this.keep(buffer);
  }

  /** After a submit: pending buffers become free for anything. */
  settle(): void {
    for (const list of this.pending.values()) for (const b of list) this.keep(b);
    this.pending.clear();
    this.stats.pendingBuffers = 0;
  }

  private keep(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.stats.freeBytes + size > this.maxFreeBytes) {
      buffer.destroy();
      return;
    }
    push(this.free, size, buffer);
    this.stats.freeBuffers++;
    this.stats.freeBytes += size;
  }

  /** Destroys every free buffer (after an out-of-memory error, or on request). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.stats.freeBuffers = 0;
    this.stats.freeBytes = 0;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }
}

function push(lists: Map<number, GPUBuffer[]>, size: number, buffer: GPUBuffer): void {
  let list = lists.get(size);
  if (!list) {
    list = [];
    lists.set(size, list);
  }
  list.push(buffer);
}
