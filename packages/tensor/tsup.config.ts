import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // One copy of the library shared by both entries (and both formats): `@rnn/tensor/testing` must see
  // the same Tensor class and backend registry as `@rnn/tensor`.
  splitting: true,
  sourcemap: true,
  target: 'es2022',
  external: ['vitest'],
});
