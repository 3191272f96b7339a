import type { TensorSpec } from '@rnn/tensor/backend';
import type { Block } from './allocator';

/**
 * A CUDA tensor's storage handle: a block of device memory (at least `bytes`), its element count, and
 * the ballast that makes the garbage collector feel the block's size (null when off).
 */
export class CudaStorage {
  released = false;
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
