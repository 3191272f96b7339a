import { BackendError, type DType } from '@rnn/tensor/backend';
import type { KernelSpec, ParamKind } from '../device/args';
import { MAX_ELEMENTS } from '../device/args';

// Every kernel the host side launches, declared once with its module and C parameter list (a test
// compares each declaration with the compiled PTX's).
const registry: KernelSpec[] = [];

/** Declares a kernel. */
export function kernel(module: string, name: string, params: readonly ParamKind[]): KernelSpec {
  const spec = { module, name, params };
  registry.push(spec);
  return spec;
}

/** Kernel name suffix of each dtype (bool is one byte per element). */
export const SUFFIX: Readonly<Record<DType, string>> = {
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  bool: 'u8',
};

/** Bytes per element on the GPU (bool: 1). */
export const ELEMENT_BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** One kernel per dtype, named `<base>_<suffix>`. */
export function perDtype(
  module: string,
  base: string,
  dtypes: readonly DType[],
  params: readonly ParamKind[],
): Partial<Record<DType, KernelSpec>> {
  const out: Partial<Record<DType, KernelSpec>> = {};
  for (const d of dtypes) out[d] = kernel(module, `${base}_${SUFFIX[d]}`, params);
  return out;
}

/** The kernel of `dtype`, or a clear error when there is none. */
export function pick(table: Partial<Record<DType, KernelSpec>>, dtype: DType, op: string): KernelSpec {
  const k = table[dtype];
  if (!k) throw new BackendError(`cuda: ${op} has no ${dtype} kernel`);
  return k;
}

/** Rejects tensors too large for the kernels' 32-bit indexing. */
export function checkSize(op: string, n: number): void {
  if (n > MAX_ELEMENTS) {
    throw new BackendError(`cuda: ${op}: ${n} elements exceed the ${MAX_ELEMENTS} a kernel indexes`);
  }
}

export const ALL_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];

/** Every kernel declared so far (all of them once the backend module is loaded). */
export function declaredKernels(): readonly KernelSpec[] {
  return registry;
}
