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
    setupFiles: [fileURLToPath(new URL('./test/setup-native.ts', import.meta.url))],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
  },
});
