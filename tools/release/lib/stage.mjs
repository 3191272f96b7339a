// Stages a release without touching the repository: a copy of the workspace's manifests, the
// changesets and the public packages' files in a temporary folder, `changeset version` run there
// (versions, peer ranges, CHANGELOGs), then `pnpm pack` of every public package: the tarballs are
// exactly what `changeset publish` (which runs `pnpm publish`) would upload.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pnpmCommand, root, workspacePackages } from './workspace.mjs';

const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
/** Never copied into the staging folder: installs, caches and build byproducts of other tools. */
const SKIP = new Set(['node_modules', '.turbo', 'coverage', '.device']);

/**
 * @typedef {object} StagedPackage
 * @property {string} name
 * @property {string} rel folder in the repository
 * @property {string} oldVersion
 * @property {string} version the version `changeset version` gives it
 * @property {string} tarball path of the packed .tgz
 * @property {number} tarballBytes
 * @property {number} unpackedBytes
 * @property {string[]} files paths inside the package
 * @property {string} changelog the new CHANGELOG section (empty without one)
 */

/** The changesets (their front matter's package names) that name only staged packages. */
function changesetFiles(names, log) {
  const dir = join(root, '.changeset');
  const keep = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const text = readFileSync(join(dir, file), 'utf8');
    const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
    const named = [...front.matchAll(/^\s*["']?([^"':\s]+)["']?\s*:/gm)].map((m) => m[1]);
    const unknown = named.filter((n) => !names.has(n));
    if (unknown.length) log(`  (leaving out .changeset/${file}: names ${unknown.join(', ')}, not landed)`);
    else keep.push(file);
  }
  return keep;
}

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function sizeOfFiles(dir, files) {
  return files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/**
 * Stages the release in a new temporary folder and packs every public package into `out`.
 * @param {{ out?: string, log?: (line: string) => void }} [options]
 * @returns {{ dir: string, out: string, packages: StagedPackage[] }}
 */
export function stageRelease(options = {}) {
  const log = options.log ?? (() => {});
  const dir = join(mkdtempSync(join(tmpdir(), 'rnn-release-')), 'repo');
  const out = options.out ?? join(dirname(dir), 'tarballs');
  mkdirSync(out, { recursive: true });
  const all = workspacePackages();
  const names = new Set(all.map((p) => p.name));

  // The workspace: root manifest, workspace globs, changesets; every landed package's manifest,
  // and the files of the public ones (their build output included: build first).
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, f), join(dir, f));
  mkdirSync(join(dir, '.changeset'));
  cpSync(join(root, '.changeset', 'config.json'), join(dir, '.changeset', 'config.json'));
  for (const f of changesetFiles(names, log)) cpSync(join(root, '.changeset', f), join(dir, '.changeset', f));
  for (const p of all) {
    const to = join(dir, p.rel);
    if (p.private) {
      mkdirSync(to, { recursive: true });
      cpSync(join(p.dir, 'package.json'), join(to, 'package.json'));
    } else {
      if (!existsSync(join(p.dir, 'dist'))) throw new Error(`${p.name}: no dist/ in ${p.rel} (build first)`);
      cpSync(p.dir, to, { recursive: true, filter: (src) => !SKIP.has(src.split(/[\\/]/).pop()) });
    }
  }

  // Versions, peer ranges and CHANGELOGs, as the real release computes them.
  const changeset = join(root, 'node_modules', '.bin', 'changeset');
  log(run(changeset, ['version'], dir).trim());

  // `pnpm pack` replaces `workspace:` ranges with the versions it finds under node_modules: link the
  // staged packages there, as `pnpm install` would.
  for (const p of all) {
    const manifest = JSON.parse(readFileSync(join(dir, p.rel, 'package.json'), 'utf8'));
    for (const field of DEP_FIELDS) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        const target = all.find((q) => q.name === dep);
        if (!target) continue;
        const link = join(dir, p.rel, 'node_modules', dep);
        if (existsSync(link)) continue;
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(relative(dirname(link), join(dir, target.rel)), link, 'dir');
      }
    }
  }

  const packages = [];
  const pnpm = pnpmCommand();
  for (const p of all.filter((q) => !q.private)) {
    const pkgDir = join(dir, p.rel);
    const packed = JSON.parse(
      run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', out, '--json'], pkgDir),
    );
    const files = packed.files.map((f) => f.path).sort();
    const changelogPath = join(pkgDir, 'CHANGELOG.md');
    let changelog = '';
    if (existsSync(changelogPath)) {
      const text = readFileSync(changelogPath, 'utf8');
      const start = text.indexOf('\n## ') + 1; // the newest version's section
      const next = text.indexOf('\n## ', start);
      changelog = start > 0 ? text.slice(start, next < 0 ? undefined : next) : '';
    }
    packages.push({
      name: p.name,
      rel: p.rel,
      oldVersion: p.version,
      version: packed.version,
      tarball: packed.filename,
      tarballBytes: statSync(packed.filename).size,
      unpackedBytes: sizeOfFiles(pkgDir, files),
      files,
      changelog: changelog.trim(),
    });
  }
  writeFileSync(join(out, 'release-plan.json'), `${JSON.stringify({ dir, packages }, null, 2)}\n`);
  return { dir, out, packages };
}
