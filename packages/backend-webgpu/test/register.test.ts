/**
 * Registration: `import '@rnn/backend-webgpu/register'` is all it takes (the convention of every @rnn
 * backend and of `@rnn/cpu-native`); the main entry has no side effects.
 */
import { hasBackend, initBackend, listBackends, tensor } from '@rnn/tensor';
import { describe, expect, it, vi } from 'vitest';
import type { WebGPUBackend } from '../src/index';

describe("import '@rnn/backend-webgpu/register'", () => {
  it('registers "webgpu" above the CPU backend, once per process', async () => {
    await import('../src/index');
    expect(hasBackend('webgpu')).toBe(false); // the main entry registers nothing
    await import('../src/register');
    expect(listBackends().slice(0, 2)).toEqual(['webgpu', 'cpu']);
    const b = (await initBackend('webgpu')) as WebGPUBackend; // Dawn from the `webgpu` package
    try {
      expect(Array.from(await tensor([1, 2], { backend: b }).mul(3).data())).toEqual([3, 6]);
      // a second copy of the entry (the CommonJS build beside the ESM one) replaces nothing
      vi.resetModules();
      await import('../src/register');
      expect(await initBackend('webgpu')).toBe(b);
    } finally {
      b.destroy();
    }
  });
});
