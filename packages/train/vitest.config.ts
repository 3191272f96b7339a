import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

const pkg = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      ...workspaceAliases,
      // Sibling packages this one uses, also from their sources (no build needed first).
      '@rnn/data/node': pkg('data/src/node/index.ts'),
      '@rnn/data': pkg('data/src/index.ts'),
      '@rnn/cpu-native': pkg('cpu-native/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
