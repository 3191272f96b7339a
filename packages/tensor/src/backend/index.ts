/**
 * `@rnn/tensor/backend`: the backend author's layer. Everything a backend (the built-in CPU backend,
 * `@rnn/cpu-native`, `@rnn/backend-webgpu`, a CUDA backend) needs, and nothing of the tensor front end:
 * this entry imports nothing from `tensor.ts`, `ops/` or `autograd/` (CI checks the package for import
 * cycles, and this entry for that rule).
 *
 * - the contract: {@link Backend}, storage, the primitives' operand types, optional in-place primitives;
 * - the fused ops: {@link FusedAttrs} (name → attribute type), typed {@link FusedKernel}s, and the
 *   shared input unpacker and packed-sequence step helpers of `rnnLayer`;
 * - shape, stride and dtype helpers; the typed errors; registration (`registerBackend`);
 * - {@link Ballast}, which makes the garbage collector feel device memory;
 * - the CPU backend's native-kernel hook (`setCpuAccelerator`, the {@link CpuAccelerator} contract).
 *
 * A backend is done when it passes the conformance suite of `@rnn/tensor/testing`.
 *
 * @packageDocumentation
 */

export { type CpuAccelerator, getCpuAccelerator, setCpuAccelerator } from '../cpu/accelerator';
export { bytesPerElement, type DType, isFloat, type TypedArray } from '../dtype';
export {
  BackendError,
  DataFormatError,
  DTypeError,
  RnnError,
  ShapeError,
  ValueError,
} from '../errors';
export { philox4x32 } from '../random/philox';
export {
  broadcastShapes,
  broadcastStrides,
  collapse,
  contiguousStrides,
  normalizeAxis,
  type Shape,
  shapesEqual,
  sizeOf,
  splitAround,
} from '../shape';
export type {
  ArgReduceOp,
  Backend,
  BackendMemory,
  BinaryOp,
  CompareOp,
  FusedKernel,
  FusedKernels,
  RandomKind,
  ReduceOp,
  Storage,
  TensorSpec,
  UnaryOp,
} from './backend';
export { Ballast, ballastByDefault } from './ballast';
export type { FusedAttrs, FusedOpName, NoAttrs } from './fused/attrs';
export type { LayerNormAttrs } from './fused/layer-norm';
export type { AdagradUpdateAttrs, AdamUpdateAttrs, RmspropUpdateAttrs, SgdUpdateAttrs } from './fused/optim';
export {
  packedStepOffsets,
  type RnnLayerAttrs,
  type RnnLayerParts,
  type RnnMode,
  rnnGateCount,
  rnnWorkspaceWidth,
  unpackRnnLayerInputs,
} from './fused/rnn-layer';
export { type BackendFactory, hasBackend, listBackends, registerBackend } from './registry';
