// Losses, optimizers, schedulers, initialisers and serialization (re-exported by index.ts).

export {
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  type FanMode,
  type InitOptions,
  type KaimingOptions,
  kaimingNormal_,
  kaimingUniform_,
  type Nonlinearity,
  normal_,
  ones_,
  orthogonal_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from './init';
export * from './losses/index';
export * from './optim/index';
export * from './serialization/index';
