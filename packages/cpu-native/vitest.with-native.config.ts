// Runs @rnn/tensor's and @rnn/nn's own test suites (conformance, PyTorch parity, modules, training)
// with the native kernels active: `pnpm --filter @rnn/cpu-native test:with-native`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

const packages = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    root: packages,
    include: [
      'tensor/src/**/*.test.ts',
      'tensor/test/**/*.test.ts',
      'nn/src/**/*.test.ts',
      'nn/test/**/*.test.ts',
    ],
    exclude: [
      '**/node_modules/**',
      // about the pure-JavaScript path and the sources themselves, not the kernels: the hint that
      // appears only while no native GEMM is plugged in, and the import graph of the tensor layer
      // (read relative to its own package root); both run in @rnn/tensor's normal suite
      'tensor/test/native-hint.test.ts',
      'tensor/test/layers.test.ts',
    ],
    setupFiles: [fileURLToPath(new URL('./test/setup-native.ts', import.meta.url))],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
  },
});
