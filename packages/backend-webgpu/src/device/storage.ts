import type { TensorSpec } from '@rnn/tensor';

/**
 * What a WebGPU tensor's storage handle holds: a pooled GPU buffer (at least `length * 4` bytes, since
 * every dtype is stored in 4-byte words) and the element count.
 */
export class GPUStorage {
  released = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly length: number,
  ) {}
}

/** The GPU buffer behind a tensor handed to a kernel. */
export function bufferOf(t: TensorSpec): GPUBuffer {
  return (t.storage as GPUStorage).buffer;
}
