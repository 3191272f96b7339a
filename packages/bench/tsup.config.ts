import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { run: 'src/run.ts', probe: 'src/probe.ts', soak: 'src/soak/soak.ts', threads: 'src/threads.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['@rnn/tensor', '@rnn/nn', '@rnn/cpu-native', '@rnn/backend-webgpu', '@rnn/spinn'],
});
