import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', register: 'src/register.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['@rnn/tensor'],
  // the ESM build needs `require` (createRequire) and import.meta.url for the .node file
  shims: true,
});
