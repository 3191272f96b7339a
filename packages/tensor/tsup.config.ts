import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'backend/index': 'src/backend/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // One copy of the library shared by the entries (per format): `@rnn/tensor/testing` and
  // `@rnn/tensor/backend` must see the same Tensor class and backend registry as `@rnn/tensor`.
  splitting: true,
  sourcemap: true,
  target: 'es2022',
  external: ['vitest'],
});
