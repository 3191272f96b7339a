/**
 * The API reference documents every public symbol: TypeDoc, run as for the site but with its
 * "not documented" validation on, finds no exported function, class, interface, type, variable,
 * method, accessor or public class property of a public package without TSDoc, and no `{@link}` it
 * cannot resolve. `node scripts/api-gaps.mjs` prints the same list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { API_PACKAGES, apiEntryPoints, generateApi } from '../scripts/api.mjs';

it('reads every public entry point of every public package', () => {
  const names = apiEntryPoints().map((e) => e.name);
  for (const dir of API_PACKAGES) expect(names).toContain(`@rnn/${dir}`);
  expect(names).toEqual(expect.arrayContaining(['@rnn/tensor/backend', '@rnn/nn/node', '@rnn/data/node']));
});

it('finds TSDoc on every public symbol (and no dead {@link})', async () => {
  const out = mkdtempSync(join(tmpdir(), 'rnn-api-check-'));
  try {
    const { warnings, errors, messages } = await generateApi({ out, checkDocumented: true });
    expect(messages, messages.join('\n')).toEqual([]);
    expect(warnings).toBe(0);
    expect(errors).toBe(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
