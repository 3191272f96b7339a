export { Adagrad, type AdagradOptions, adagradUpdateOp } from './adagrad';
export { Adam, type AdamOptions, AdamW, adamUpdateOp } from './adam';
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
export { RMSprop, type RMSpropOptions, rmspropUpdateOp } from './rmsprop';
export { SGD, type SGDOptions, sgdUpdateOp } from './sgd';
