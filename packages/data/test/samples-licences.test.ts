import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const samples = join(pkg, 'samples');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(samples, path)];
  });
}

/** The rows of the "Licence of each file" table of samples/SOURCE.md: file → licence. */
function licenceTable(): Map<string, string> {
  const source = readFileSync(join(samples, 'SOURCE.md'), 'utf8');
  const section = source.split('## Licence of each file')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const file = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (file) rows.set(file, cells[3] ?? '');
  }
  return rows;
}

// The package ships third-party data: every sample states its licence, so none can be added without.
describe('the shipped samples', () => {
  it('each file has a row with its licence in samples/SOURCE.md, and each row names a shipped file', () => {
    const table = licenceTable();
    const files = filesUnder(samples)
      .filter((f) => f !== 'SOURCE.md')
      .sort();
    expect(files.length).toBeGreaterThan(15);
    for (const file of files)
      expect(table.get(file), `licence of samples/${file}`).toMatch(
        /^CC BY-SA 4\.0|^research(\/demo)? use only/,
      );
    expect([...table.keys()].sort()).toEqual(files);
  });

  it('the CC BY-SA folders carry the licence text; the package licence names every licence used', () => {
    for (const dir of ['ud-english-ewt', 'snli']) {
      expect(readFileSync(join(samples, dir, 'LICENSE.txt'), 'utf8')).toMatch(/^Attribution-ShareAlike 4\.0/);
    }
    const { license } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(license).toBe('MIT AND CC-BY-SA-4.0 AND LicenseRef-Research-Use-Only');
    const licenceFile = readFileSync(join(pkg, 'LICENSE'), 'utf8');
    for (const dir of ['ud-english-ewt', 'snli', 'ptb', 'thucnews', 'vectors']) {
      expect(licenceFile).toContain(`samples/${dir}/`);
    }
  });
});
