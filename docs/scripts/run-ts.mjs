// Runs a TypeScript file in Node: esbuild bundles it (packages stay external, resolved from docs/),
// then it is imported. `node scripts/run-ts.mjs file.ts [args...]`; also `runTs()` for the tests.
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { docsDir } from './paths.mjs';

/**
 * Bundles `file` into docs/node_modules/.cache/run-ts/ and returns the path of the module.
 * @param {string} file a TypeScript file
 * @param {string} [outName] the bundle's file name
 * @returns {Promise<string>}
 */
export async function bundleTs(file, outName = `${basename(file, '.ts')}.mjs`) {
  const outDir = join(docsDir, 'node_modules', '.cache', 'run-ts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, outName);
  await build({
    entryPoints: [resolve(file)],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    sourcemap: 'inline',
  });
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(docsDir, 'scripts', 'run-ts.mjs')) {
  const [file, ...rest] = process.argv.slice(2);
  // `pnpm run <script> -- --flag` passes the `--` on: it is not the script's argument.
  const args = rest[0] === '--' ? rest.slice(1) : rest;
  if (!file) {
    console.error('usage: node scripts/run-ts.mjs FILE.ts [ARGS...]');
    process.exit(2);
  }
  const out = await bundleTs(file);
  process.argv = [process.argv[0], resolve(file), ...args];
  await import(pathToFileURL(out).href);
}
