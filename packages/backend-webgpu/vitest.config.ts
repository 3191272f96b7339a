import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared';

// Dawn (npm `webgpu`) finds no adapter on a machine without a GPU unless the Vulkan loader is pointed
// at SwiftShader, the software Vulkan driver that Debian's `chromium` package ships.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    env: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES },
    // SwiftShader runs every shader on the CPU: compiling pipelines and running kernels is slow.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
