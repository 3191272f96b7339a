import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

export default defineConfig({
  resolve: {
    alias: {
      ...workspaceAliases,
      '@rnn/cpu-native': fileURLToPath(new URL('../cpu-native/src/index.ts', import.meta.url)),
      // Workload D's model is the spinn app's, from its sources (and what it imports).
      '@rnn/spinn': fileURLToPath(new URL('../../apps/spinn/src/index.ts', import.meta.url)),
      '@rnn/data': fileURLToPath(new URL('../data/src/index.ts', import.meta.url)),
      '@rnn/rl': fileURLToPath(new URL('../rl/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
  },
});
