import type { Backend, Storage, TensorSpec } from '../../backend/backend';
import { allocArray, type DType, dtypeOfArray } from '../../dtype';

/**
 * @internal Drives a backend's primitives directly: uploads host data, reads results back, and
 * releases every storage it saw when the test ends.
 */
export class KernelIO {
  private readonly owned: Storage[] = [];

  constructor(readonly backend: Backend) {}

  /** Uploads `data` as a `dtype` tensor spec of `shape`. */
  input(dtype: DType, shape: readonly number[], data: readonly number[]): TensorSpec {
    const arr = allocArray(dtype, data.length);
    for (let i = 0; i < data.length; i++) arr[i] = data[i];
    const storage = this.backend.fromArray(arr, dtype);
    this.owned.push(storage);
    return { storage, shape: [...shape], dtype };
  }

  /** Reads `size` elements of a primitive's result (and takes ownership of the storage). */
  async output(storage: Storage, dtype: DType, size: number): Promise<number[]> {
    this.owned.push(storage);
    return this.read(storage, dtype, size);
  }

  /** Reads `size` elements of storage this object already owns (an input written in place). */
  async read(storage: Storage, dtype: DType, size: number): Promise<number[]> {
    const arr = await this.backend.read(storage, dtype, size);
    if (dtypeOfArray(arr) !== dtype) {
      throw new Error(`read: expected a typed array for ${dtype}, got ${arr.constructor.name}`);
    }
    if (arr.length !== size) throw new Error(`read: expected ${size} elements, got ${arr.length}`);
    return Array.from(arr);
  }

  releaseAll(): void {
    for (const s of this.owned.splice(0)) this.backend.release(s);
  }
}

/** @internal Runs `body` with a {@link KernelIO} and releases its storage afterwards. */
export async function withKernels(backend: Backend, body: (k: KernelIO) => Promise<void>): Promise<void> {
  const k = new KernelIO(backend);
  try {
    await body(k);
  } finally {
    k.releaseAll();
  }
}
