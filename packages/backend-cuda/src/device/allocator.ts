/**
 * The caching allocator. `cuMemAlloc` and `cuMemFree` are slow (a driver call each, and `cuMemFree`
 * waits for the device), while a training step allocates the same sizes every time: freed blocks go
 * to a free list of their size class and the next request of that class takes one back, so after
 * the first step allocation costs a pop.
 *
 * Frees are stream-ordered: the backend has one stream, so a block given back while kernels that use
 * it are still queued can be handed out again at once: whatever uses it next is queued on the same
 * stream, behind them. Blocks only go back to the driver when the cache is trimmed (over its limit,
 * on request, or to retry an allocation that ran out of memory), and `cuMemFree` waits for the
 * stream before it frees.
 */

/** The driver calls the allocator makes (the addon's, or a fake in tests). */
export interface DeviceMemory {
  /** A new block of exactly `bytes` bytes; throws an error with `code: 'CUDA_ERROR_OUT_OF_MEMORY'` when full. */
  alloc(bytes: number): number;
  free(ptr: number): void;
}

/** A block handed out: its device address and its size class in bytes. */
export interface Block {
  readonly ptr: number;
  readonly size: number;
}

/** Counters of the allocator, for `memory()`, `stats()` and tests. */
export interface AllocatorStats {
  /** Blocks handed out and not given back. */
  liveBlocks: number;
  /** Bytes of those blocks (size classes, not the bytes asked for). */
  liveBytes: number;
  /** Blocks in the free lists. */
  cachedBlocks: number;
  cachedBytes: number;
  /** Blocks allocated from the driver since the start (flat across steps: every request was reused). */
  created: number;
  /** Requests served from the free lists. */
  reused: number;
  /** Allocations retried after freeing the cache because the device was full. */
  oomRetries: number;
}

/** The smallest block: scalars and tiny tensors share one class (and cuMemAlloc aligns to 256 anyway). */
export const MIN_BLOCK = 512;

/**
 * The size class of a request: powers of two up to 1 MiB, then steps of an eighth of the power of
 * two (so at most an eighth of a large block is slack), then 2 MiB steps above 16 MiB.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= 2 ** 20) return pow;
  if (bytes > 2 ** 24) return Math.ceil(bytes / 2 ** 21) * 2 ** 21;
  const step = pow / 8;
  return Math.ceil(bytes / step) * step;
}

export function isOutOfMemory(e: unknown): boolean {
  return (e as { code?: string })?.code === 'CUDA_ERROR_OUT_OF_MEMORY';
}

export class CachingAllocator {
  private readonly free = new Map<number, number[]>();
  private readonly counts: AllocatorStats = {
    liveBlocks: 0,
    liveBytes: 0,
    cachedBlocks: 0,
    cachedBytes: 0,
    created: 0,
    reused: 0,
    oomRetries: 0,
  };

  /**
   * @param memory the driver calls.
   * @param maxCachedBytes cached bytes beyond this are freed at once instead of kept (default: no limit:
   *   the cache is emptied only when an allocation would fail, as PyTorch's allocator does).
   */
  constructor(
    private readonly memory: DeviceMemory,
    private readonly maxCachedBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** A block of at least `bytes` bytes. Throws the driver's out-of-memory error when even an empty cache does not help. */
  alloc(bytes: number): Block {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let ptr = list?.pop();
    if (ptr !== undefined) {
      this.counts.cachedBlocks--;
      this.counts.cachedBytes -= size;
      this.counts.reused++;
    } else {
      ptr = this.fresh(size);
    }
    this.counts.liveBlocks++;
    this.counts.liveBytes += size;
    return { ptr, size };
  }

  /** Gives a block back (stream-ordered: it may be reused by the next request at once). */
  release(block: Block): void {
    this.counts.liveBlocks--;
    this.counts.liveBytes -= block.size;
    if (this.counts.cachedBytes + block.size > this.maxCachedBytes) {
      this.memory.free(block.ptr);
      return;
    }
    let list = this.free.get(block.size);
    if (!list) {
      list = [];
      this.free.set(block.size, list);
    }
    list.push(block.ptr);
    this.counts.cachedBlocks++;
    this.counts.cachedBytes += block.size;
  }

  /** Frees every cached block back to the driver. */
  emptyCache(): void {
    for (const list of this.free.values()) for (const p of list) this.memory.free(p);
    this.free.clear();
    this.counts.cachedBlocks = 0;
    this.counts.cachedBytes = 0;
  }

  stats(): AllocatorStats {
    return { ...this.counts };
  }

  private fresh(size: number): number {
    try {
      const p = this.memory.alloc(size);
      this.counts.created++;
      return p;
    } catch (e) {
      if (!isOutOfMemory(e) || this.counts.cachedBlocks === 0) throw e;
      // Cached blocks of other sizes may be what the device lacks: give them back and try once more.
      this.counts.oomRetries++;
      this.emptyCache();
      const p = this.memory.alloc(size);
      this.counts.created++;
      return p;
    }
  }
}
