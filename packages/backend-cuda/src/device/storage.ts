import type { TensorSpec, TypedArray } from '@rnn/tensor/backend';
import type { Block } from './allocator';

/**
 * A CUDA tensor's storage handle: a block of device memory (at least `bytes`), its element count, and
 * the ballast that makes the garbage collector feel the block's size (null when off).
 */
export class CudaStorage {
  released = false;
  /**
   * With `syncReads`, a small upload keeps its host data: uploaded storage is never written again, so a
   * synchronous read of it (the front end checking indices it was given) needs no wait for the GPU.
   */
  host: TypedArray | null = null;
  constructor(
    readonly block: Block,
    readonly length: number,
    readonly ballast: ArrayBuffer | null,
  ) {}

  get ptr(): number {
    return this.block.ptr;
  }
}

/** The device address of a tensor's data. */
export function ptrOf(t: TensorSpec): number {
  return (t.storage as CudaStorage).block.ptr;
}

/** The device address of an optional tensor's data, 0 (a null pointer for the kernel) when absent. */
export function ptrOrNull(t: TensorSpec | null | undefined): number {
  return t ? ptrOf(t) : 0;
}
