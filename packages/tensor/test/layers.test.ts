import { fileURLToPath } from 'node:url';
import { parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

/**
 * The backend author's layer (`@rnn/tensor/backend`) and the built-in CPU backend stand on it alone:
 * neither reaches the tensor front end (`tensor.ts`, `ops/`, `autograd/`, `memory/`). Import cycles
 * are checked by `pnpm cycles` (dpdm) in CI; this checks the direction of the layers with dpdm's parser.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

async function reachable(entry: string): Promise<string[]> {
  const tree = await parseDependencyTree(`src/${entry}`, {
    context: root,
    transform: true, // type-only imports are not runtime dependencies
    extensions: ['.ts'],
    js: ['.ts'],
    include: /\.ts$/,
    exclude: /node_modules/,
  });
  return Object.keys(tree).map((f) => f.replace(/^src\//, ''));
}

const FRONT_END = /^(tensor\.ts|ops\/|autograd\/|memory\/|testing\/)/;

describe('layers', () => {
  it.each([
    'backend/index.ts',
    'cpu/cpu-backend.ts',
  ])('%s imports nothing of the tensor front end', async (entry) => {
    const files = await reachable(entry);
    expect(files).toContain(entry);
    expect(files.filter((f) => FRONT_END.test(f))).toEqual([]);
  });

  it('the backend registry does not import the CPU backend (the package entry registers it)', async () => {
    const files = await reachable('backend/registry.ts');
    expect(files.filter((f) => f.startsWith('cpu/'))).toEqual([]);
  });
});
