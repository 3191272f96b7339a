import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('entry point', () => {
  it('is browser-safe: the sources import only each other and @rnn/tensor', () => {
    const files = sources(src);
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec.startsWith('.') || spec === '@rnn/tensor', `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it('exports what the README documents', async () => {
    const rl = await import('../src/index');
    for (const name of [
      'Categorical',
      'Bernoulli',
      'reinforceLoss',
      'MovingAverageBaseline',
      'normalizeAdvantages',
      'discountedReturns',
      'logSigmoid',
    ]) {
      expect(rl, name).toHaveProperty(name);
    }
  });
});
