import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('entry points', () => {
  it('the main entry imports nothing Node-only (no node: modules, no terminal, rendering or native packages)', () => {
    const browserSide = sources(src).filter((f) => !relative(src, f).startsWith('node'));
    expect(browserSide.length).toBeGreaterThan(10);
    for (const file of browserSide) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(
          spec.startsWith('.') || spec === '@rnn/tensor' || spec === '@rnn/nn',
          `${file} imports ${spec}`,
        ).toBe(true);
        expect(spec.includes('/node'), `${file} imports ${spec}`).toBe(false);
      }
    }
  });

  it('both entries load, and export what the README documents', async () => {
    const main = await import('../src');
    const node = await import('../src/node');
    for (const name of [
      'fit',
      'evaluate',
      'ConfusionMatrix',
      'EarlyStopping',
      'learningCurvesSpec',
      'backwardStep',
    ]) {
      expect(main, name).toHaveProperty(name);
    }
    for (const name of [
      'ProgressBar',
      'MetricsLog',
      'CheckpointManager',
      'writeReport',
      'runCli',
      'setupBackend',
    ]) {
      expect(node, name).toHaveProperty(name);
    }
  });
});
