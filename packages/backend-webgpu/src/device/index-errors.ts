import { BackendError } from '@rnn/tensor/backend';

/** u32 words of the flag: claimed, site, value, position, limit, and padding to 32 bytes. */
export const INDEX_FLAG_WORDS = 8;
/** Bytes of the flag (a multiple of 4, as buffer copies need). */
export const INDEX_FLAG_BYTES = INDEX_FLAG_WORDS * 4;

/** Where an index is read: the op reported to the user and what its indices are called there. */
interface Site {
  readonly op: string;
  readonly what: string;
}

/**
 * The device-side error flag of index-reading kernels. A GPU kernel cannot throw, and reading the
 * indices back before each op would cost a round trip per op; instead every kernel that reads indices
 * (or class targets) binds this small storage buffer, and an index outside its range is recorded there
 * (the first one wins, by an atomic compare-exchange) while the kernel uses a safe value (zero, or
 * skips the row). The context copies the flag into the staging buffer of the next read or `sync()` (no
 * extra submit or round trip), clears it in the same command buffer, and `take` turns a recorded
 * report into the `BackendError` that read or sync rejects with.
 *
 * Words: `[0]` claimed (0 or 1), `[1]` site, `[2]` the bad value (i32 bits), `[3]` its flat position in
 * the index tensor, `[4]` the exclusive upper bound of the valid range (the lower bound is 0).
 */
export class IndexErrorFlag {
  readonly buffer: GPUBuffer;
  private readonly sites: Site[] = [];
  private readonly siteIds = new Map<string, number>();
  /** An index-reading kernel was recorded since the flag was last copied out. */
  private used = false;

  constructor(device: GPUDevice, usage: number) {
    // New buffers are zero-filled: the flag starts clear.
    this.buffer = device.createBuffer({ size: INDEX_FLAG_BYTES, usage, label: 'index-error flag' });
  }

  /**
   * The id a kernel writes into the flag for `op` (memoized; compiled into the kernel as a constant).
   * `what` names the indices in the message: `'index'`, `'target'`.
   */
  site(op: string, what = 'index'): number {
    const key = `${op}\u0000${what}`;
    let id = this.siteIds.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push({ op, what });
      this.siteIds.set(key, id);
    }
    return id;
  }

  /** The buffer to bind to an index-reading dispatch; the next read or sync then checks the flag. */
  bind(): GPUBuffer {
    this.used = true;
    return this.buffer;
  }

  /** Whether the next read-back must carry the flag (an index-reading kernel ran since the last one). */
  get pending(): boolean {
    return this.used;
  }

  /**
   * Records, after the work in `encoder`, a copy of the flag to `offset` in `staging`, then clears it
   * so later work can report again.
   */
  copyOut(encoder: GPUCommandEncoder, staging: GPUBuffer, offset: number): void {
    encoder.copyBufferToBuffer(this.buffer, 0, staging, offset, INDEX_FLAG_BYTES);
    encoder.clearBuffer(this.buffer, 0, INDEX_FLAG_BYTES);
    this.used = false;
  }

  /** The error a copied-out flag reports, or null when no kernel met a bad index. */
  take(words: Uint32Array): BackendError | null {
    if (words[0] === 0) return null;
    const site = this.sites[words[1]] ?? { op: 'an index-reading kernel', what: 'index' };
    const value = words[2] | 0;
    return new BackendError(
      `webgpu: ${site.op}: ${site.what} ${value} at position ${words[3]} is out of range [0, ${words[4]}) ` +
        '(reported at the next read or sync after the op that used it)',
    );
  }

  destroy(): void {
    this.buffer.destroy();
  }
}
