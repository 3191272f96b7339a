import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * `@rnn/nn`'s main entry runs in browsers: bundled for the browser it resolves no Node module (the file
 * helpers live in `@rnn/nn/node`).
 */
describe('the main entry', () => {
  it('bundles for the browser with @rnn/tensor, importing nothing of Node', async () => {
    const result = await build({
      entryPoints: [here('../src/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      alias: { '@rnn/tensor': here('../../tensor/src/index.ts') },
    });
    const code = result.outputFiles[0].text;
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/from\s*["'](node:)?(fs|path|fs\/promises)["']/);
    expect(code).not.toMatch(/import\(["']node:/);
  });

  it('the Node entry has the file helpers', async () => {
    const node = await import('../src/node/index');
    for (const name of [
      'saveCheckpoint',
      'loadCheckpoint',
      'saveSafetensorsFile',
      'loadSafetensorsFile',
      'writeFileAtomic',
    ]) {
      expect(typeof (node as Record<string, unknown>)[name], name).toBe('function');
    }
    const main = await import('../src/index');
    expect('saveCheckpoint' in main).toBe(false);
  });
});
