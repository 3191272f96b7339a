// The fused updates now live in @rnn/tensor (ops/optim.ts); re-exported where they used to be.
export { adagradUpdateOp, adamUpdateOp, rmspropUpdateOp, sgdUpdateOp } from '@rnn/tensor';
export { Adagrad, type AdagradOptions } from './adagrad';
export { Adam, type AdamOptions, AdamW } from './adam';
export { type ClipGradNormOptions, clipGradNorm, clipGradNormAsync, clipGradValue } from './clip';
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  ExponentialLR,
  type ExponentialLROptions,
  LRScheduler,
  type SchedulableOptimizer,
  type SchedulerState,
  StepLR,
  type StepLROptions,
} from './lr-scheduler';
export {
  type BaseOptimizerOptions,
  Optimizer,
  type OptimizerParams,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamGroupState,
  type ParamState,
} from './optimizer';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { SGD, type SGDOptions } from './sgd';
