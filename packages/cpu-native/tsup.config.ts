import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    register: 'src/register.ts',
    browser: 'src/browser.ts',
    'browser-register': 'src/browser-register.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // One copy of the loader shared by `.` and `./register` (per format), so both report one status.
  splitting: true,
  sourcemap: true,
  target: 'es2022',
  external: ['@rnn/tensor'],
  // the ESM build needs `require` for the .node file
  shims: true,
});
