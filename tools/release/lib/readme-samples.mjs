// The TypeScript samples of the READMEs, for the consumer test: every ```ts block of the root README
// and of each public package's README is type-checked against the packed packages and run.
//
// A block's info string may add one word after `ts`:
//   ```ts          runs in Node (an ES module; top-level await allowed) and must finish without error
//   ```ts browser  runs in headless Chromium instead (WebGPU on SwiftShader)
//   ```ts vitest   is a test file: runs inside vitest (e.g. the conformance suite of @rnn/tensor/testing)
//   ```ts check    is type-checked only (say in the README why it cannot run here, e.g. a GPU)
//   ```ts setup    is shown once and prepended to every later sample of the README (say so there)
// GitHub and npm highlight all of them as TypeScript. The Node samples of one README run in order in
// one folder, so a sample may read what an earlier one wrote, as a reader following along would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicPackages, root } from './workspace.mjs';

/**
 * @typedef {object} Sample
 * @property {string} id a file-name-safe id, e.g. `nn-2`
 * @property {string} readme the README, relative to the root
 * @property {number} line the line of the opening fence
 * @property {'node' | 'browser' | 'vitest' | 'check'} mode
 * @property {string} code the setup (if any) and the block's own code
 * @property {{ line: number, lines: number } | null} setup where the prepended setup came from
 */

const MODES = new Set(['node', 'browser', 'vitest', 'check', 'setup']);

/** The ```ts blocks of one README. @returns {Sample[]} */
export function samplesOf(readme, prefix) {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const samples = [];
  /** @type {{ line: number, code: string } | null} */
  let setup = null;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(?:\s+(\S+))?\s*$/.exec(lines[i]);
    if (!open) continue;
    const mode = open[2] ?? 'node';
    if (!MODES.has(mode)) {
      throw new Error(
        `${readme}:${i + 1}: unknown sample mode "${mode}" (node, browser, vitest, check, setup)`,
      );
    }
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${readme}:${start + 1}: unterminated code block`);
    if (mode === 'setup') {
      setup = { line: start + 1, code: body.join('\n') };
      continue;
    }
    samples.push({
      id: `${prefix}-${samples.length + 1}`,
      readme,
      line: start + 1,
      mode: /** @type {'node' | 'browser' | 'vitest' | 'check'} */ (mode),
      code: `${setup ? `${setup.code}\n` : ''}${body.join('\n')}\n`,
      setup: setup ? { line: setup.line, lines: setup.code.split('\n').length } : null,
    });
  }
  return samples;
}

/** The README line of line `n` (1-based) of a sample's code. */
export function readmeLine(sample, n) {
  if (sample.setup && n <= sample.setup.lines) return sample.setup.line + n;
  return sample.line + n - (sample.setup?.lines ?? 0);
}

/** The samples of the root README and of every public package's README. @returns {Sample[]} */
export function readmeSamples() {
  const readmes = [{ readme: 'README.md', prefix: 'root' }];
  for (const p of publicPackages()) {
    readmes.push({ readme: `${p.rel}/README.md`, prefix: p.rel.split('/').pop() });
  }
  return readmes.flatMap(({ readme, prefix }) => samplesOf(readme, prefix));
}
