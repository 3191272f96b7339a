/** Bytes of one ballast chunk: above glibc's largest mmap threshold, so it is only ever virtual. */
const CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Makes the JavaScript garbage collector feel device memory, for backends whose storage lives outside
 * the JavaScript heap (`memoryKind: 'device'`). A tensor's storage handle is a few bytes of heap while
 * its device buffer may be megabytes; V8 sees only the former, so a loop that drops tensors without
 * disposing them can fill the device long before V8 thinks a collection is worth it.
 *
 * Each storage handle therefore holds a share of a *ballast* ArrayBuffer as large as its device buffer.
 * V8 counts ArrayBuffers as external memory and schedules collections by it, so device allocations
 * pace the collector, and each collection returns the buffers of dead handles (through the tensor
 * layer's `Backend.reclaim`). The ballast is never touched: large ArrayBuffers are fresh zero pages
 * mapped on demand, so they cost address space, not RAM. Shares are cut from 64 MiB chunks; a chunk
 * is freed when the last handle sharing it is collected. Keep the share on the handle only (never in
 * what `collectable` returns), or collections could not free it.
 */
export class Ballast {
  private chunk: ArrayBuffer | null = null;
  private left = 0;

  /** An ArrayBuffer that the handle of a `bytes`-byte device buffer keeps alive. */
  share(bytes: number): ArrayBuffer {
    if (bytes >= CHUNK_BYTES) return new ArrayBuffer(bytes);
    if (!this.chunk || bytes > this.left) {
      this.chunk = new ArrayBuffer(CHUNK_BYTES);
      this.left = CHUNK_BYTES;
    }
    this.left -= bytes;
    return this.chunk;
  }
}

/**
 * Whether storage handles should carry ballast by default: in Node, where nothing else reports device
 * memory to V8 (Dawn, the CUDA driver). Browsers manage their own GPU objects' memory, and a large
 * zero-filled ArrayBuffer may cost them real memory.
 */
export function ballastByDefault(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  );
}
