/** Bytes of one ballast chunk: above glibc's largest mmap threshold, so it is only ever virtual. */
const CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Makes V8's garbage collector feel device memory (the same device as @rnn/backend-webgpu's; it
 * belongs in `@rnn/tensor/backend`, which backends cannot change from here). A storage handle is a few
 * bytes of JavaScript heap while its device block may be megabytes; V8 schedules collections by the
 * heap and by external memory (ArrayBuffers), so each handle holds a share of an untouched ballast
 * ArrayBuffer as large as its block. Large ArrayBuffers are zero pages mapped on demand: address
 * space, not RAM. A collection then frees the ballast of dead handles at once, and the tensor layer's
 * `reclaim` gives their blocks back to the allocator.
 */
export class Ballast {
  private chunk: ArrayBuffer | null = null;
  private left = 0;

  /** An ArrayBuffer that the handle of a `bytes`-byte block keeps alive. */
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
