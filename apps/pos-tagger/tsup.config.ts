import { defineConfig } from 'tsup';

// dist/cli.js (the `pos-tagger` bin) and dist/bench.js (`pnpm bench`). Workspace packages stay imports.
export default defineConfig({
  entry: { cli: 'src/cli.ts', bench: 'src/bench.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  clean: true,
  sourcemap: true,
  external: [/^@rnn\//],
});
