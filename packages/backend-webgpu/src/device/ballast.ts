/** Bytes of one ballast chunk: above glibc's largest mmap threshold, so it is only ever virtual. */
const CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Makes the JavaScript garbage collector feel GPU memory. A tensor's handle is a few bytes of
 * JavaScript heap while its GPU buffer may be megabytes; V8 sees only the former, so a loop that drops
 * tensors without disposing them can fill the GPU long before V8 thinks a collection is worth it.
 *
 * Each storage handle therefore holds a share of a *ballast* ArrayBuffer as large as its GPU buffer.
 * V8 counts ArrayBuffers as external memory and schedules collections by it, so GPU allocations now
 * pace the collector, and each collection returns the buffers of dead handles (through the tensor
 * layer's `reclaim`). The ballast is never touched: large ArrayBuffers are fresh zero pages mapped
 * on demand, so they cost address space, not RAM. Shares are cut from 64 MiB chunks; a chunk is
 * freed when the last handle sharing it is collected.
 */
export class Ballast {
  private chunk: ArrayBuffer | null = null;
  private left = 0;

  /** An ArrayBuffer that the handle of a `bytes`-byte GPU buffer keeps alive. */
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
 * Whether storage handles should carry ballast by default: in Node, where Dawn reports nothing of
 * its GPU memory to V8. Browsers manage their own GPU objects' memory, and a large zero-filled
 * ArrayBuffer may cost them real memory.
 */
export function ballastByDefault(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  );
}
