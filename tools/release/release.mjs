#!/usr/bin/env node
// `pnpm release`: builds, tests, versions and publishes every public package of the workspace.
//
//   pnpm release               build, test, `changeset version`, commit, `changeset publish` (tags)
//   pnpm release --dry-run     build, test, then stage the release in a temporary folder (versions,
//                              CHANGELOGs, `pnpm pack` of every package) and print what would be
//                              published: nothing is published and nothing in the repository changes
//
// Options: --skip-build, --skip-tests (the consumer test runs the dry run from inside `pnpm test`),
// --out DIR (where the dry run puts the tarballs and release-plan.json).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { stageRelease } from './lib/stage.mjs';
import { pnpmCommand, publicPackages, root } from './lib/workspace.mjs';

const { values: args } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'skip-tests': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log('usage: pnpm release [--dry-run] [--skip-build] [--skip-tests] [--out DIR]');
  process.exit(0);
}

const pnpm = pnpmCommand();
const log = (line = '') => console.log(line);

function step(title) {
  log(`\n▶ ${title}`);
}

function sh(cmd, cmdArgs, opts = {}) {
  log(`$ ${[cmd, ...cmdArgs].join(' ')}`);
  execFileSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
}

function pnpmRun(...cmdArgs) {
  sh(pnpm[0], [...pnpm.slice(1), ...cmdArgs]);
}

function git(...cmdArgs) {
  return execFileSync('git', cmdArgs, { cwd: root, encoding: 'utf8' }).trim();
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pkgs = publicPackages();
log(
  `pnpm release${args['dry-run'] ? ' --dry-run (nothing is published, the repository is not changed)' : ''}`,
);
log(`public packages: ${pkgs.map((p) => p.name).join(', ')}`);

if (!args['dry-run']) {
  step('checks');
  const dirty = git('status', '--porcelain', '--untracked-files=no');
  if (dirty) {
    console.error(`release: the working tree has uncommitted changes:\n${dirty}`);
    process.exit(1);
  }
  log(`branch ${git('rev-parse', '--abbrev-ref', 'HEAD')}, commit ${git('rev-parse', '--short', 'HEAD')}`);
}

if (!args['skip-build']) {
  step('build');
  pnpmRun('exec', 'turbo', 'run', 'build', ...pkgs.map((p) => `--filter=${p.name}`));
}

if (!args['skip-tests']) {
  step('test (the CI command: lint, typecheck, every test suite, the consumer test)');
  pnpmRun('test');
}

if (args['dry-run']) {
  step('version and pack (staged in a temporary folder)');
  const plan = stageRelease({ out: args.out, log });
  step('would publish (changeset publish → pnpm publish --access public, tag latest)');
  const width = Math.max(...plan.packages.map((p) => `${p.name}@${p.version}`.length));
  let tarballs = 0;
  for (const p of plan.packages) {
    tarballs += p.tarballBytes;
    log(
      `${`${p.name}@${p.version}`.padEnd(width)}  (was ${p.oldVersion})  ${kib(p.tarballBytes).padStart(10)} tarball, ` +
        `${kib(p.unpackedBytes).padStart(10)} unpacked, ${String(p.files.length).padStart(3)} files`,
    );
  }
  log(`${plan.packages.length} packages, ${kib(tarballs)} of tarballs in ${plan.out}`);
  const versions = new Set(plan.packages.map((p) => p.version));
  log(`version line: ${[...versions].join(', ')}`);
  step('CHANGELOG.md (the new section of each package, from the changesets)');
  for (const p of plan.packages) {
    const entries = p.changelog.split('\n').filter((l) => l.startsWith('- ')).length;
    log(`${p.name}: ${entries} entr${entries === 1 ? 'y' : 'ies'}`);
  }
  const sample = plan.packages.find((p) => p.name === '@rnn/tensor') ?? plan.packages[0];
  if (sample) log(`\n${sample.name}, first lines:\n${sample.changelog.split('\n').slice(0, 8).join('\n')}`);
  log(`\nrelease plan: ${plan.out}/release-plan.json`);
  // with --out, only the tarballs and the plan are kept; without, the staged copy stays beside them
  if (args.out) rmSync(dirname(plan.dir), { recursive: true, force: true });
} else {
  step('version');
  pnpmRun('exec', 'changeset', 'version');
  const version = publicPackages()[0].version;
  // Lockfile importers record ranges, not versions: nothing to update there.
  step(`commit the version bump (${version})`);
  sh('git', ['add', '-u', '.changeset', 'packages', 'apps', 'tools']);
  sh('git', ['add', '--', ...publicPackages().map((p) => `${p.rel}/CHANGELOG.md`)]);
  sh('git', ['commit', '-m', `release: ${version}`]);
  step('publish (changeset publish: pnpm publish of every package not yet on the registry, git tags)');
  pnpmRun('exec', 'changeset', 'publish');
  log('\nDone. Push the commit and the tags: git push --follow-tags');
}
