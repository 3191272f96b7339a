import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

const pkg = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      ...workspaceAliases,
      // The other workspace packages the app uses, also from their sources (no build needed first).
      '@rnn/train/node': pkg('train/src/node/index.ts'),
      '@rnn/train': pkg('train/src/index.ts'),
      '@rnn/data/node': pkg('data/src/node/index.ts'),
      '@rnn/data': pkg('data/src/index.ts'),
      '@rnn/rl': pkg('rl/src/index.ts'),
      '@rnn/cpu-native': pkg('cpu-native/src/index.ts'),
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
