import { defineConfig } from 'tsup';

// dist/cli.js (the `spinn` bin) and dist/index.js (the model as a library: the bench's workload D
// builds its SPINN from it). Workspace packages stay imports, not bundled.
export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  clean: true,
  sourcemap: true,
  dts: { entry: { index: 'src/index.ts' } },
  external: [/^@rnn\//],
});
