/**
 * `@rnn/tensor`: tensors, autograd, the backend contract, memory scopes, seeded RNG and the
 * built-in CPU backend.
 *
 * @packageDocumentation
 */

// autograd and memory
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode';
// backends
export type {
  ArgReduceOp,
  Backend,
  BackendMemory,
  BinaryOp,
  CompareOp,
  FusedKernel,
  RandomKind,
  ReduceOp,
  Storage,
  TensorSpec,
  UnaryOp,
} from './backend/backend';
export {
  type BackendFactory,
  findBackend,
  getBackend,
  hasBackend,
  initBackend,
  listBackends,
  registerBackend,
  setBackend,
  useBestBackend,
} from './backend/registry';
export { type CpuAccelerator, getCpuAccelerator, setCpuAccelerator } from './cpu/accelerator';
export { createCpuBackend, registerCpuBackend } from './cpu/cpu-backend';
export { cpuBufferPoolBytes, setCpuBufferPoolLimit } from './cpu/pool';
export type { DType, TypedArray } from './dtype';
export {
  AutogradError,
  BackendError,
  DataFormatError,
  DisposedError,
  DTypeError,
  RnnError,
  ShapeError,
  ValueError,
} from './errors';
export { type MemoryInfo, memory } from './memory/memory';
export { keep, scope, tidy } from './memory/scope';
export { sigmoidGrad, sigmoidGradOp, tanhGrad, tanhGradOp } from './ops/activation-grad';
// creation
export {
  arange,
  type CreateOptions,
  eye,
  full,
  fullLike,
  ones,
  onesLike,
  type TensorLike,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation';
// ops
export {
  abs,
  add,
  cast,
  clamp,
  compare,
  div,
  exp,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  maskedFill,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sign,
  sqrt,
  sub,
  tanh,
  where,
} from './ops/elementwise';
export {
  type FusedOp,
  lstmCell,
  lstmCellOp,
  runFused,
  softmaxCrossEntropy,
  softmaxCrossEntropyOp,
  withoutFusedKernels,
} from './ops/fused';
export { gather, indexCopy, indexSelect } from './ops/indexing';
export { type LayerNormAttrs, layerNorm, layerNormOp } from './ops/layer-norm';
export { linear } from './ops/linear';
export { matmul } from './ops/matmul';
export { type MultinomialOptions, multinomial } from './ops/multinomial';
export {
  type AdagradUpdateAttrs,
  type AdamUpdateAttrs,
  adagradUpdateOp,
  adamUpdateOp,
  type RmspropUpdateAttrs,
  rmspropUpdateOp,
  type SgdUpdateAttrs,
  sgdUpdateOp,
} from './ops/optim';
export { dropout, type RandomOptions, rand, randint, randLike, randn, randnLike } from './ops/random';
export { argmax, argmin, logsumexp, max, mean, min, sum, sumToShape } from './ops/reduce';
export {
  packedStepOffsets,
  type RnnLayerAttrs,
  type RnnLayerInputs,
  type RnnLayerOptions,
  type RnnLayerParts,
  type RnnLayerResult,
  type RnnMode,
  rnnGateCount,
  rnnLayer,
  rnnLayerOp,
  unpackRnnLayerInputs,
} from './ops/rnn-layer';
export {
  cat,
  chunk,
  clone,
  expand,
  flatten,
  flip,
  narrow,
  permute,
  reshape,
  select,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from './ops/shape';
export { logSoftmax, softmax } from './ops/softmax';
export { sumOfSquares, sumOfSquaresOp } from './ops/sum-of-squares';
export { type TopkOptions, type TopkResult, topk } from './ops/topk';
// random numbers
export {
  defaultGenerator,
  Generator,
  getRngState,
  manualSeed,
  type RngState,
  setRngState,
} from './random/generator';
export { philox4x32 } from './random/philox';
export type { Shape } from './shape';
export { type NestedArray, Tensor } from './tensor';

import { registerCpuBackend } from './cpu/cpu-backend';
import { installOps } from './ops/install';

// The Tensor methods' op table, and the built-in CPU backend (registered once per process, by whichever
// copy of the package loads first).
installOps();
registerCpuBackend();
