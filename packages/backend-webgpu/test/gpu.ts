/**
 * The WebGPU backend for tests: Dawn (npm `webgpu`) on whatever Vulkan driver the machine has. On
 * machines without a GPU that is SwiftShader, the software Vulkan driver that Debian's `chromium`
 * package ships (`apt-get install -y chromium libvulkan1`). No adapter is a test FAILURE, never a
 * skip, so CI cannot silently stop testing this backend.
 */

import { registerBackend } from '@rnn/tensor';
import { afterAll } from 'vitest';
import { createWebGPUBackend, WEBGPU_PRIORITY, type WebGPUBackend } from '../src/index';

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD manifest. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// The Vulkan loader reads this when Dawn creates its instance, so it must be set before `create()`.
process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;

let backend: Promise<WebGPUBackend> | undefined;

/** Creates the backend once per test file and registers that instance as 'webgpu'; throws when there is no adapter. */
export function webgpu(): Promise<WebGPUBackend> {
  backend ??= (async () => {
    const { create } = await import('webgpu');
    const gpu = create(['backend=vulkan']);
    try {
      const b = await createWebGPUBackend({ gpu });
      registerBackend('webgpu', () => b, { priority: WEBGPU_PRIORITY });
      return b;
    } catch (e) {
      throw new Error(
        `no WebGPU adapter for the tests (${(e as Error).message}). On Debian/Ubuntu: ` +
          `apt-get install -y chromium libvulkan1, then VK_ICD_FILENAMES=${SWIFTSHADER_ICD} ` +
          `(currently ${process.env.VK_ICD_FILENAMES ?? 'unset'})`,
      );
    }
  })();
  return backend;
}

afterAll(async () => {
  if (!backend) return;
  const b = await backend.catch(() => undefined);
  b?.destroy();
});
