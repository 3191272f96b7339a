// Bundles device/gpu.ts (with the conformance suite, @rnn/nn's parity tests and the bench workloads)
// into one file for a machine that has Node but no node_modules:
//   node packages/backend-cuda/device/bundle.mjs [out.mjs]   (default: <repo>/.device/gpu.mjs)
// - `vitest` becomes device/runner.ts (describe / it / expect from @vitest/expect on chai, bundled);
// - `@rnn/*` resolve to the workspace's TypeScript sources (no build needed);
// - `import.meta.url` of each module becomes its path relative to the repository root at run time
//   (the current directory, or RNN_REPO_ROOT), so fixtures, the PyTorch script and the prebuilt addon
//   are found in the copied working tree.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const outfile = process.argv[2] ?? join(repo, '.device/gpu.mjs');
const fromVitest = createRequire(createRequire(import.meta.url).resolve('vitest/package.json'));

/** `@rnn/name[/sub]` → the package's TypeScript source. */
function workspaceSource(spec) {
  const [, name, sub] = /^@rnn\/([^/]+)(?:\/(.+))?$/.exec(spec) ?? [];
  if (!name) return null;
  for (const base of ['packages', 'apps']) {
    const dir = join(repo, base, name, 'src');
    if (!existsSync(dir)) continue;
    const file = sub ? join(dir, sub, 'index.ts') : join(dir, 'index.ts');
    if (existsSync(file)) return file;
  }
  return null;
}

const rnnPlugin = {
  name: 'rnn-device',
  setup(build) {
    build.onResolve({ filter: /^vitest$/ }, () => ({ path: join(here, 'runner.ts') }));
    // vitest's own expect and chai (not dependencies of this package: found beside vitest)
    build.onResolve({ filter: /^rnn-device:chai$/ }, () => ({ path: fromVitest.resolve('chai') }));
    build.onResolve({ filter: /^rnn-device:vitest-expect$/ }, () => ({
      path: fromVitest.resolve('@vitest/expect'),
    }));
    build.onResolve({ filter: /^@rnn\// }, (a) => {
      const path = workspaceSource(a.path);
      return path ? { path } : undefined;
    });
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (a) => {
      let text = await readFile(a.path, 'utf8');
      if (text.includes('import.meta.url')) {
        const rel = relative(repo, a.path).split('\\').join('/');
        text = text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(rel)}, globalThis.__rnnRepoRoot).href`,
        );
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

await esbuild.build({
  entryPoints: [join(here, 'gpu.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [rnnPlugin],
  banner: {
    js: [
      "import { createRequire as __rnnCreateRequire } from 'node:module';",
      "import { pathToFileURL as __rnnToUrl } from 'node:url';",
      'const require = __rnnCreateRequire(import.meta.url);',
      "globalThis.__rnnRepoRoot = __rnnToUrl((process.env.RNN_REPO_ROOT || process.cwd()).replace(/\\/?$/, '/')).href;",
    ].join('\n'),
  },
});
console.log(`bundled ${relative(process.cwd(), outfile)}`);
