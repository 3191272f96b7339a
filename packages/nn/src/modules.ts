// Module system, layers, recurrent layers and packed sequences (re-exported by index.ts).

export { elu, erf, gelu, leakyRelu, silu, softplus } from './functional/activations';
export {
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from './layers/activations';
export { BatchNorm1d, type BatchNormOptions } from './layers/batch-norm';
export { ModuleDict, ModuleList, Sequential, type TensorModule } from './layers/containers';
export { Dropout } from './layers/dropout';
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from './layers/embedding';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm';
export { Linear, type LinearOptions } from './layers/linear';
export {
  type FactoryOptions,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  Module,
  Parameter,
  type StateDict,
  StateDictError,
  type StateDictMismatch,
  skipInit,
} from './module';
export { type CellOptions, GRUCell, LSTMCell, RNNCell, RNNCellBase, type RNNCellOptions } from './rnn/cells';
export {
  type Lengths,
  PackedSequence,
  type PackOptions,
  type PadPackedOptions,
  type PadSequenceOptions,
  packPaddedSequence,
  packSequence,
  padPackedSequence,
  padSequence,
  unpackSequence,
  unpadSequence,
} from './rnn/packed-sequence';
export {
  GRU,
  type GRUOptions,
  LSTM,
  type LSTMOptions,
  type RecurrentInput,
  type RecurrentOptions,
  RNN,
  RNNBase,
  type RNNOptions,
} from './rnn/recurrent';
