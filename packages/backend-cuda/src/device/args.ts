import { BackendError } from '@rnn/tensor/backend';

/**
 * Kernel parameters as the kernels' C signatures declare them: `ptr` (any pointer, 8 bytes), `i32` and
 * `u32` (4), `i64` and `f64` (8), and `dims` (the `Dims` struct of common.cuh, 168 bytes). A test
 * checks every kernel's declared list against the parameters in the compiled PTX.
 */
export type ParamKind = 'ptr' | 'i32' | 'u32' | 'i64' | 'f64' | 'dims';

/** A kernel: its module (a .cu file under src/kernels/cuda), its name and its parameter list. */
export interface KernelSpec {
  readonly module: string;
  readonly name: string;
  readonly params: readonly ParamKind[];
}

/** Up to four operands walked over one index space (see `Dims` in common.cuh). */
export interface Dims {
  readonly shape: readonly number[];
  /** Per operand, a stride per dimension (in elements; negative and zero allowed). */
  readonly strides: readonly (readonly number[])[];
}

export const MAX_RANK = 8;
const MAX_OPERANDS = 4;
/** sizeof(Dims): shape[8], stride[4][8], rank, n as 32-bit ints. */
export const DIMS_BYTES = (MAX_RANK + MAX_OPERANDS * MAX_RANK + 2) * 4;

/** A parameter value: a number, or the shape/strides block for `dims`. */
export type ArgValue = number | Dims;

const ALIGN: Record<ParamKind, number> = { ptr: 8, i32: 4, u32: 4, i64: 8, f64: 8, dims: 4 };
const SIZE: Record<ParamKind, number> = { ptr: 8, i32: 4, u32: 4, i64: 8, f64: 8, dims: DIMS_BYTES };

/** Bytes the parameters of `params` take, laid out as a C parameter list (natural alignment). */
export function paramBytes(params: readonly ParamKind[]): number {
  let at = 0;
  for (const p of params) at = Math.ceil(at / ALIGN[p]) * ALIGN[p] + SIZE[p];
  return at;
}

/**
 * Writes kernel parameters into the buffer the addon passes to cuLaunchKernel
 * (`CU_LAUNCH_PARAM_BUFFER_POINTER`): the layout a C compiler gives the parameter list.
 */
export class ArgPacker {
  readonly buffer: ArrayBuffer;
  private readonly view: DataView;

  constructor(bytes = 4096) {
    this.buffer = new ArrayBuffer(bytes);
    this.view = new DataView(this.buffer);
  }

  /** Packs `values` per `spec.params`; returns the byte length. */
  pack(spec: KernelSpec, values: readonly ArgValue[]): number {
    const params = spec.params;
    if (values.length !== params.length) {
      throw new BackendError(
        `cuda: kernel ${spec.name} takes ${params.length} arguments, ${values.length} were given`,
      );
    }
    const v = this.view;
    let at = 0;
    for (let i = 0; i < params.length; i++) {
      const kind = params[i];
      at = Math.ceil(at / ALIGN[kind]) * ALIGN[kind];
      const x = values[i];
      if (kind === 'dims') {
        this.dims(at, x as Dims, spec.name);
      } else {
        const n = x as number;
        switch (kind) {
          case 'ptr':
          case 'i64':
            if (!(n >= 0) || !Number.isInteger(n)) {
              throw new BackendError(
                `cuda: kernel ${spec.name} argument ${i}: ${n} is not a non-negative integer`,
              );
            }
            v.setUint32(at, n % 4294967296, true);
            v.setUint32(at + 4, Math.floor(n / 4294967296), true);
            break;
          case 'i32':
            v.setInt32(at, n, true);
            break;
          case 'u32':
            v.setUint32(at, n >>> 0, true);
            break;
          case 'f64':
            v.setFloat64(at, n, true);
            break;
        }
      }
      at += SIZE[kind];
    }
    return at;
  }

  private dims(at: number, d: Dims, kernel: string): void {
    const rank = d.shape.length;
    if (rank > MAX_RANK || d.strides.length > MAX_OPERANDS) {
      throw new BackendError(
        `cuda: ${kernel}: ${rank} dimensions after merging (at most ${MAX_RANK} are supported)`,
      );
    }
    const v = this.view;
    let n = 1;
    for (let r = 0; r < MAX_RANK; r++) {
      const s = r < rank ? d.shape[r] : 1;
      n *= s;
      v.setInt32(at + 4 * r, s, true);
    }
    for (let k = 0; k < MAX_OPERANDS; k++) {
      for (let r = 0; r < MAX_RANK; r++) {
        const s = k < d.strides.length && r < rank ? d.strides[k][r] : 0;
        v.setInt32(at + 4 * (MAX_RANK + k * MAX_RANK + r), s, true);
      }
    }
    v.setInt32(at + 4 * (MAX_RANK + MAX_OPERANDS * MAX_RANK), rank, true);
    v.setInt32(at + 4 * (MAX_RANK + MAX_OPERANDS * MAX_RANK + 1), n, true);
  }
}

/** The largest element count one kernel indexes (its loops use 32-bit ints). */
export const MAX_ELEMENTS = 2 ** 31 - 1;
