/**
 * `@rnn/nn`: modules, layers, recurrent networks over packed sequences, losses, optimizers,
 * initialisers and PyTorch-compatible serialization, on top of `@rnn/tensor`.
 *
 * @packageDocumentation
 */
export * from './modules';
export * from './training';
