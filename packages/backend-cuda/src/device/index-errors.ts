import { BackendError } from '@rnn/tensor/backend';

/** Bytes of the flag: claimed, site, value, position, limit, padding. */
export const INDEX_FLAG_BYTES = 32;

/**
 * The device-side record of an out-of-range index (as on WebGPU). A kernel cannot throw, and reading
 * indices back before each op would cost a round trip per op; instead every kernel that reads indices
 * or class targets gets this 32-byte block, and the first bad index claims it (atomicCAS) and writes
 * its op, value, position and range while the kernel carries on with a safe value. The next read or
 * `sync()` copies the block back with its data, clears it behind the copy, and turns a report into the
 * `BackendError` that read or sync rejects with.
 */
export class IndexErrorFlag {
  private readonly sites: { op: string; what: string }[] = [];
  private readonly ids = new Map<string, number>();
  /** An index-reading kernel was queued since the flag was last read back. */
  pending = false;

  constructor(readonly ptr: number) {}

  /** The id a kernel writes for `op`; `what` names the indices in the message (`index`, `target`). */
  site(op: string, what = 'index'): number {
    const key = `${op}\u0000${what}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push({ op, what });
      this.ids.set(key, id);
    }
    return id;
  }

  /** The flag's address for a kernel; the next read or sync then reads it back. */
  bind(): number {
    this.pending = true;
    return this.ptr;
  }

  /** The error a read-back flag reports, or null. */
  take(words: Uint32Array): BackendError | null {
    if (words[0] === 0) return null;
    const site = this.sites[words[1]] ?? { op: 'an index-reading kernel', what: 'index' };
    return new BackendError(
      `cuda: ${site.op}: ${site.what} ${words[2] | 0} at position ${words[3]} is out of range [0, ${words[4]}) ` +
        '(reported at the next read or sync after the op that used it)',
    );
  }
}
