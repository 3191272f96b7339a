import { defineConfig } from 'tsup';

// One ESM file, dist/cli.js (the `text-classifier` bin). Workspace packages stay imports, not bundled.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  clean: true,
  sourcemap: true,
  external: [/^@rnn\//],
});
