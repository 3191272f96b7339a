/**
 * `@rnn/tensor`: tensors, autograd, the backend contract, memory scopes, seeded RNG and the
 * built-in CPU backend.
 *
 * @packageDocumentation
 */
export { Tensor, type NestedArray } from './tensor';
export type { DType, TypedArray } from './dtype';
export type { Shape } from './shape';
export {
  RnnError,
  ShapeError,
  DTypeError,
  BackendError,
  ValueError,
  AutogradError,
  DisposedError,
} from './errors';

// backends
export type {
  Backend,
  BackendMemory,
  Storage,
  TensorSpec,
  FusedKernel,
  UnaryOp,
  BinaryOp,
  CompareOp,
  ReduceOp,
  ArgReduceOp,
  RandomKind,
} from './backend/backend';
export {
  registerBackend,
  setBackend,
  getBackend,
  initBackend,
  findBackend,
  listBackends,
  useBestBackend,
  type BackendFactory,
} from './backend/registry';
export { createCpuBackend } from './cpu/cpu-backend';

// autograd and memory
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode';
export { tidy, scope, keep } from './memory/scope';
export { memory, type MemoryInfo } from './memory/memory';

// random numbers
export { Generator, manualSeed, getRngState, setRngState, defaultGenerator, type RngState } from './random/generator';
export { philox4x32 } from './random/philox';

// creation
export {
  tensor,
  zeros,
  ones,
  full,
  arange,
  eye,
  zerosLike,
  onesLike,
  fullLike,
  type CreateOptions,
  type TensorLike,
} from './ops/creation';
export { rand, randn, randint, randLike, randnLike, dropout, type RandomOptions } from './ops/random';

// ops
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  neg,
  exp,
  log,
  sqrt,
  abs,
  tanh,
  sigmoid,
  relu,
  sign,
  clamp,
  compare,
  logicalNot,
  logicalAnd,
  logicalOr,
  where,
  maskedFill,
  cast,
} from './ops/elementwise';
export { sum, mean, max, min, argmax, argmin, logsumexp, sumToShape } from './ops/reduce';
export { matmul } from './ops/matmul';
export {
  reshape,
  flatten,
  permute,
  transpose,
  squeeze,
  unsqueeze,
  expand,
  slice,
  narrow,
  select,
  flip,
  cat,
  stack,
  split,
  chunk,
  clone,
} from './ops/shape';
export { indexSelect, gather } from './ops/indexing';
export { softmax, logSoftmax } from './ops/softmax';
export {
  runFused,
  withoutFusedKernels,
  softmaxCrossEntropy,
  softmaxCrossEntropyOp,
  lstmCell,
  lstmCellOp,
  type FusedOp,
} from './ops/fused';
