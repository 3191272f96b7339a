import { BackendError } from '@rnn/tensor/backend';

/** u32 words in one dispatch's parameter block (256 bytes: WebGPU's uniform-offset alignment). */
export const PARAM_WORDS = 64;

/**
 * Builds a dispatch's parameter block: shapes, strides and scalars, written as u32 words in order.
 * Kernels read word `i` with `p(i)` (`pf(i)` for f32, `pi(i)` for i32), see `kernels/wgsl.ts`.
 */
export class Params {
  readonly words = new Uint32Array(PARAM_WORDS);
  private readonly f32 = new Float32Array(this.words.buffer);
  private readonly i32 = new Int32Array(this.words.buffer);
  private n = 0;

  constructor(private readonly op: string) {}

  private next(): number {
    if (this.n >= PARAM_WORDS) {
      throw new BackendError(`webgpu: ${this.op}: too many dimensions for one kernel's parameter block`);
    }
    return this.n++;
  }

  /** Appends unsigned integers. */
  u(...values: readonly number[]): this {
    for (const v of values) this.words[this.next()] = v >>> 0;
    return this;
  }

  /** Appends signed integers. */
  i(...values: readonly number[]): this {
    for (const v of values) this.i32[this.next()] = v;
    return this;
  }

  /** Appends float32 values. */
  f(...values: readonly number[]): this {
    for (const v of values) this.f32[this.next()] = v;
    return this;
  }
}

/** WebGPU flag values (from the spec), so nothing depends on the `GPU*` globals being installed. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
export const SHADER_STAGE_COMPUTE = 0x4;
export const MAP_MODE_READ = 0x1;
