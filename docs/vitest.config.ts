import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser test builds nothing: it opens the site `pnpm build` wrote (turbo runs build first).
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One file at a time: two cores, shared with other work.
    fileParallelism: false,
  },
});
