import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Builds, stages, packs and installs with npm before the tests: minutes, not seconds.
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
  },
});
