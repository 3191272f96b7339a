// The workspace as the release sees it: every package that has landed (its package.json is tracked
// by git; all of them where there is no git), and among them the public ones (not `private`), found
// generically so that a new package joins the release, the consumer test and the checks on its own.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name
 * @property {string} version
 * @property {string} dir absolute folder
 * @property {string} rel folder relative to the root, with `/`
 * @property {boolean} private
 * @property {Record<string, any>} manifest the package.json
 */

/** The folders pnpm-workspace.yaml names (`packages/*`, `docs`, ...) that hold a package.json. */
function workspaceFolders() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => m[1]);
  const folders = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) folders.push(join(parent, entry.name));
      }
    } else {
      folders.push(join(root, glob));
    }
  }
  return folders.filter((dir) => existsSync(join(dir, 'package.json')));
}

/** package.json files tracked by git (`null` without git). */
function trackedManifests() {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--', 'package.json', '*/package.json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Set(out.split('\0').filter(Boolean));
  } catch {
    return null;
  }
}

/** Every workspace package that has landed, sorted by folder. @returns {WorkspacePackage[]} */
export function workspacePackages() {
  const tracked = trackedManifests();
  return workspaceFolders()
    .map((dir) => {
      const rel = relative(root, dir).split('\\').join('/');
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return {
        name: manifest.name,
        version: manifest.version,
        dir,
        rel,
        private: manifest.private === true,
        manifest,
      };
    })
    .filter((p) => tracked === null || tracked.has(`${p.rel}/package.json`))
    .sort((a, b) => a.rel.localeCompare(b.rel));
}

/** The packages that get published. @returns {WorkspacePackage[]} */
export function publicPackages() {
  return workspacePackages().filter((p) => !p.private);
}

/** The subpaths a package exports (`.`, `./node`, ...), without `./package.json`. */
export function exportedSubpaths(manifest) {
  return Object.keys(manifest.exports ?? { '.': null }).filter((k) => k !== './package.json');
}

/** The conditions an export offers at its top level (`import`, `require`, `browser`, `types`). */
export function exportConditions(manifest, subpath) {
  const entry = manifest.exports?.[subpath];
  return entry && typeof entry === 'object' ? Object.keys(entry) : ['import', 'require'];
}

/** The pnpm to run: the one running this process, else `pnpm` on the PATH. @returns {string[]} */
export function pnpmCommand() {
  const execpath = process.env.npm_execpath;
  if (execpath && /pnpm/.test(execpath) && existsSync(execpath)) {
    return execpath.endsWith('.js') || execpath.endsWith('.cjs') ? [process.execPath, execpath] : [execpath];
  }
  return ['pnpm'];
}
