import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One engine per process: an ESM import and a CJS require of @rnn/tensor in one process share the
 * backends, the random generator, grad mode and scopes, so a model from one trains on tensors of the
 * other. Runs a real Node process on the dist builds (turbo builds them before this package's tests).
 */
describe('an ESM import and a CJS require in one process', () => {
  it('train one model together', () => {
    const script = fileURLToPath(new URL('./fixtures/mixed-module-systems.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    expect(out).toMatch(/^ok /);
  });
});
