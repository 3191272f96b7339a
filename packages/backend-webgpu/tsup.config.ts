import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', register: 'src/register.ts' },
  format: ['esm', 'cjs'],
  // The declarations use WebGPU's global types (GPUDevice, ...): point consumers at them.
  dts: { banner: '/// <reference types="@webgpu/types" />' },
  clean: true,
  // One copy of the backend shared by both entries (per format).
  splitting: true,
  sourcemap: true,
  target: 'es2022',
  // `webgpu` (Dawn for Node) is loaded lazily and only in Node; browsers use navigator.gpu.
  external: ['@rnn/tensor', 'webgpu'],
});
