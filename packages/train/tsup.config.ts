import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
  shims: true,
  // Dependencies stay imports. vega and vega-lite are ESM-only: they are loaded with import() (see
  // src/node/render.ts), which the CJS build keeps as a real dynamic import.
  external: [/^@rnn\//, 'vega', 'vega-lite', '@resvg/resvg-js', 'cli-progress'],
});
