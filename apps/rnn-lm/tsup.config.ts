import { defineConfig } from 'tsup';

// dist/cli.js (the `rnn-lm` bin) and dist/step-time.js (sizing a model). Workspace packages stay imports, not bundled.
export default defineConfig({
  entry: { cli: 'src/cli.ts', 'step-time': 'src/step-time.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  clean: true,
  sourcemap: true,
  external: [/^@rnn\//],
});
