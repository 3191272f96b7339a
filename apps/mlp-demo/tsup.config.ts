import { defineConfig } from 'tsup';

// One ESM file, dist/main.js. @rnn/tensor (a workspace dependency) stays an import, not bundled.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  clean: true,
  sourcemap: true,
  external: ['@rnn/tensor'],
});
