import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { run: 'src/run.ts', probe: 'src/probe.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['@rnn/tensor', '@rnn/nn', '@rnn/cpu-native'],
});
