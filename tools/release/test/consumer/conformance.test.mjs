// A backend author's test file, in the consumer project: the conformance suite of the packed
// @rnn/tensor/testing, run by vitest against a backend registered under its own name (the built-in
// CPU backend's code, with the packed native kernels plugged in where they load).
import '@rnn/cpu-native/register';
import { createCpuBackend, registerBackend } from '@rnn/tensor';
import { describeConformance } from '@rnn/tensor/testing';

registerBackend('mine', () => createCpuBackend('mine'));
describeConformance({ backend: 'mine', float64: true });
