import type { TensorSpec } from '@rnn/tensor/backend';

/**
 * What a WebGPU tensor's storage handle holds: a pooled GPU buffer (at least `length * 4` bytes, since
 * every dtype is stored in 4-byte words), the element count, and the ballast that makes the garbage
 * collector feel the buffer's size (see `Ballast`; null when off).
 */
export class GPUStorage {
  released = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly length: number,
    readonly ballast: ArrayBuffer | null = null,
  ) {}
}

/** The GPU buffer behind a tensor handed to a kernel. */
export function bufferOf(t: TensorSpec): GPUBuffer {
  return (t.storage as GPUStorage).buffer;
}
