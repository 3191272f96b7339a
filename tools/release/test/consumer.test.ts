/**
 * The consumer test: what a user gets from npm. `pnpm release --dry-run` stages the release (versions
 * and CHANGELOGs from the changesets) and packs every public package; the tarballs are installed with
 * plain npm into an empty project outside the workspace, which then runs an ESM script, a CommonJS
 * script, a mixed ESM/CJS process, `tsc --noEmit` under `moduleResolution` node16 and bundler, a
 * browser bundle in headless Chromium and every README's TypeScript samples; publint and
 * `@arethetypeswrong/cli` check each tarball. Packages are found generically (every landed, public
 * workspace package), so a new one joins on its own. Nothing is cached between runs.
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeLine, readmeSamples } from '../lib/readme-samples.mjs';
import { exportConditions, exportedSubpaths, publicPackages, root } from '../lib/workspace.mjs';

const REPO = 'https://github.com/rnn-js/rnn';
/** The distribution's Chromium (`apt-get install -y chromium`); playwright-core never downloads one. */
const CHROMIUM = process.env.RNN_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // WebGPU on SwiftShader where there is no GPU
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan,WebGPU',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];
/** Dawn (the `webgpu` package) in Node finds SwiftShader through this Vulkan ICD. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface StagedPackage {
  name: string;
  rel: string;
  oldVersion: string;
  version: string;
  tarball: string;
  tarballBytes: number;
  unpackedBytes: number;
  files: string[];
}

interface Entry {
  /** e.g. `@rnn/nn/node` */
  specifier: string;
  pkg: string;
  subpath: string;
  /** resolvable by `require` (a `require` or `default` condition) */
  cjs: boolean;
  /** must bundle for browsers: everything but `./node`, `./testing` and packages restricted by `os` */
  browser: boolean;
  /** a side-effect entry (`./register`), which may export little or nothing */
  register: boolean;
}

const workspace = publicPackages();
const entries: Entry[] = workspace.flatMap((p) =>
  exportedSubpaths(p.manifest).map((subpath: string) => {
    const conditions: string[] = exportConditions(p.manifest, subpath);
    return {
      specifier: subpath === '.' ? p.name : `${p.name}/${subpath.slice(2)}`,
      pkg: p.name,
      subpath,
      cjs: conditions.includes('require') || conditions.includes('default'),
      browser: subpath !== './node' && subpath !== './testing' && !p.manifest.os,
      register: subpath === './register',
    };
  }),
);

let work: string;
let app: string;
let plan: StagedPackage[];
let releaseOutput: string;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Runs a command to its end (asynchronously: the test worker must keep answering vitest). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeout = 300_000,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, timeout });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', (e) => {
      output += String(e);
    });
    child.on('close', (status, signal) =>
      resolve({ status, output: signal ? `${output}\n(killed: ${signal})` : output }),
    );
  });
}

function node(file: string, env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [file], app, { VK_ICD_FILENAMES: SWIFTSHADER_ICD, ...env }, 180_000);
}

beforeAll(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'rnn-consumer-')));
  const out = join(work, 'tarballs');
  // The dry run CI runs: build (turbo), version and pack in a staging copy; no tests (we are in them).
  const release = await run(
    process.execPath,
    [join(root, 'tools/release/release.mjs'), '--dry-run', '--skip-tests', '--out', out],
    root,
    {},
    600_000,
  );
  releaseOutput = release.output;
  if (release.status !== 0) throw new Error(`pnpm release --dry-run failed:\n${release.output}`);
  plan = JSON.parse(readFileSync(join(out, 'release-plan.json'), 'utf8')).packages;

  // An empty project outside the workspace, the tarballs installed with plain npm. Beside them:
  // TypeScript's Node types, vitest (the peer of @rnn/tensor/testing) and Dawn for WebGPU in Node
  // (the optional peer of @rnn/backend-webgpu, linked from the workspace instead of downloading
  // 130 MB on every run).
  app = join(work, 'app');
  mkdirSync(app);
  const webgpu = realpathSync(
    join(createRequire(join(root, 'packages/backend-webgpu/package.json')).resolve('webgpu'), '..'),
  );
  const dependencies = Object.fromEntries(plan.map((p) => [p.name, `file:${p.tarball}`]));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'rnn-consumer',
        version: '1.0.0',
        private: true,
        dependencies,
        devDependencies: { '@types/node': '^20.19.0', vitest: '^3.2.4', webgpu: `file:${webgpu}` },
      },
      null,
      2,
    ),
  );
  const install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error'],
    app,
    {},
    600_000,
  );
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`);
}, 1_200_000);

afterAll(() => {
  // RNN_KEEP_CONSUMER=1 keeps the staged release and the consumer project for a look afterwards.
  if (work && !process.env.RNN_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
  else if (work) console.log(`consumer project kept: ${app}`);
});

describe('pnpm release --dry-run', () => {
  it('stages every public package of the workspace, at one version, without a forced major', () => {
    expect(plan.map((p) => p.name).sort()).toEqual(workspace.map((p) => p.name).sort());
    const versions = new Set(plan.map((p) => p.version));
    expect(versions.size, `one version line, got ${[...versions]}`).toBe(1);
    const [version] = versions;
    // a major release only when a changeset asks for one (never forced through a peer range)
    const majorAsked = readdirSync(join(root, '.changeset'))
      .filter((f) => f.endsWith('.md'))
      .some((f) =>
        /^---\n[\s\S]*?:\s*major\s*\n[\s\S]*?---/.test(readFileSync(join(root, '.changeset', f), 'utf8')),
      );
    const oldMajor = Math.max(...plan.map((p) => Number(p.oldVersion.split('.')[0])));
    if (!majorAsked) expect(Number(version.split('.')[0]), `version ${version}`).toBe(oldMajor);
    for (const p of plan) expect(p.version).not.toBe(p.oldVersion);
    // what it printed: every package, its tarball, the version line
    for (const p of plan) expect(releaseOutput).toContain(`${p.name}@${p.version}`);
    expect(releaseOutput).toContain(`version line: ${version}`);
    console.log(
      plan
        .map(
          (p) =>
            `${p.name}@${p.version}: ${(p.tarballBytes / 1024).toFixed(1)} KiB (${p.files.length} files)`,
        )
        .join('\n'),
    );
  });

  it('each package ships its licence, README and complete metadata, with no workspace ranges left', () => {
    for (const p of plan) {
      const installed = join(app, 'node_modules', p.name);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      const where = `${p.name}: `;
      for (const f of ['LICENSE', 'README.md', 'package.json']) expect(p.files, where + f).toContain(f);
      expect(
        p.files.some((f) => f.startsWith('dist/')),
        `${where}dist`,
      ).toBe(true);
      expect(readFileSync(join(installed, 'LICENSE'), 'utf8'), `${where}LICENSE`).toMatch(/^MIT License/);
      // on the registry a relative link has no repository to resolve against
      const readme = readFileSync(join(installed, 'README.md'), 'utf8');
      const relative = [
        ...readme.matchAll(
          /\]\((?!https?:\/\/|#|mailto:)([^)\s]+)\)|(?:src|href)="(?!https?:\/\/|#)([^"]+)"/g,
        ),
      ];
      expect(
        relative.map((m) => m[1] ?? m[2]),
        `${where}relative links in README.md`,
      ).toEqual([]);
      expect(manifest.version).toBe(p.version);
      expect(manifest.license, `${where}license`).toMatch(/^MIT\b/);
      expect(manifest.repository, `${where}repository`).toEqual({
        type: 'git',
        url: `git+${REPO}.git`,
        directory: p.rel,
      });
      expect(manifest.homepage, `${where}homepage`).toBe(`${REPO}/tree/main/${p.rel}#readme`);
      expect(manifest.bugs, `${where}bugs`).toEqual({ url: `${REPO}/issues` });
      expect(manifest.author, `${where}author`).toBeTruthy();
      expect(manifest.description, `${where}description`).toBeTruthy();
      expect(manifest.keywords?.length, `${where}keywords`).toBeGreaterThan(0);
      expect(manifest.engines?.node, `${where}engines`).toBe('>=20');
      expect(manifest.sideEffects, `${where}sideEffects`).toBeDefined();
      expect(manifest.type, `${where}type`).toBe('module');
      expect(manifest.publishConfig, `${where}publishConfig`).toEqual({ access: 'public' });
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries<string>(manifest[field] ?? {})) {
          expect(range, `${where}${field}.${dep}`).not.toMatch(/^workspace:/);
          // a sibling's range admits the version released with it
          const sibling = plan.find((q) => q.name === dep);
          if (sibling) expect(satisfiesCaret(sibling.version, range), `${where}${dep}@${range}`).toBe(true);
        }
      }
    }
  });
});

describe('the packed packages', () => {
  it('publint: no errors and no warnings', async () => {
    const report: string[] = [];
    for (const p of plan) {
      const bytes = readFileSync(p.tarball);
      const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
      for (const m of messages) report.push(`${p.name}: ${m.type}: ${formatMessage(m, pkg)}`);
    }
    expect(report.filter((line) => !/: suggestion: /.test(line))).toEqual([]);
    if (report.length) console.log(report.join('\n'));
  });

  it('are the types wrong? no: every entry resolves with types under node16 (CJS and ESM) and bundler', async () => {
    const attw = join(root, 'tools/release/node_modules/.bin/attw');
    const failures: string[] = [];
    for (const p of plan) {
      const own = entries.filter((e) => e.pkg === p.name);
      const esmOnly = own.filter((e) => !e.cjs).map((e) => e.subpath);
      // Entries that CommonJS can require: node16 (CJS and ESM) and bundler resolution.
      const both = await run(
        attw,
        [p.tarball, '--profile', 'node16', '--format', 'ascii', ...excluded(esmOnly)],
        work,
      );
      if (both.status !== 0) failures.push(`${p.name}:\n${both.output}`);
      // ESM-only entries (`@rnn/tensor/testing`, which runs inside vitest): without CommonJS.
      if (esmOnly.length) {
        const esm = await run(attw, [p.tarball, '--profile', 'esm-only', '--entrypoints', ...esmOnly], work);
        if (esm.status !== 0) failures.push(`${p.name} (ESM-only ${esmOnly}):\n${esm.output}`);
      }
    }
    expect(failures.join('\n')).toBe('');
  });
});

function excluded(subpaths: string[]): string[] {
  return subpaths.length ? ['--exclude-entrypoints', ...subpaths] : [];
}

/** Whether `version` satisfies a caret range (`^0`, `^0.1.0`) or an exact version. */
function satisfiesCaret(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const m = /^\^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  if (!m) return range === version;
  const r = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  const cmp = v[0] - r[0] || v[1] - r[1] || v[2] - r[2];
  if (cmp < 0) return false;
  if (r[0] > 0) return v[0] === r[0];
  if (m[2] === undefined) return v[0] === 0;
  return v[0] === 0 && v[1] === r[1];
}

describe('installed with npm in an empty project', () => {
  it('ESM: every entry imports in Node, and a model trains with the native kernels', async () => {
    const list = entries.filter((e) => !inVitest(e)).map((e) => e.specifier);
    writeFileSync(
      join(app, 'esm-entries.mjs'),
      `const out = {};\nfor (const s of ${JSON.stringify(list)}) out[s] = Object.keys(await import(s)).length;\nconsole.log(JSON.stringify(out));\n`,
    );
    const imported = await node('esm-entries.mjs');
    expect(imported.status, imported.output).toBe(0);
    const counts = JSON.parse(imported.output.trim().split('\n').pop()!);
    for (const e of entries.filter((x) => !inVitest(x))) {
      expect(counts[e.specifier], e.specifier).toBeTypeOf('number');
      if (!e.register) expect(counts[e.specifier], `${e.specifier} exports`).toBeGreaterThan(0);
    }
    copyFixture('smoke.mjs');
    const smoke = await node('smoke.mjs');
    expect(smoke.status, smoke.output).toBe(0);
    expect(smoke.output).toMatch(/^ok /m);
  });

  it('CommonJS: every entry with a require condition requires; ESM-only entries refuse clearly', async () => {
    const cjs = entries.filter((e) => e.cjs).map((e) => e.specifier);
    const esmOnly = entries.filter((e) => !e.cjs).map((e) => e.specifier);
    writeFileSync(
      join(app, 'cjs-entries.cjs'),
      `const out = {};\nfor (const s of ${JSON.stringify(cjs)}) out[s] = Object.keys(require(s)).length;\n` +
        `for (const s of ${JSON.stringify(esmOnly)}) {\n  try { require(s); out[s] = 'loaded'; } catch (e) { out[s] = e.code; }\n}\n` +
        'console.log(JSON.stringify(out));\n',
    );
    const required = await node('cjs-entries.cjs');
    expect(required.status, required.output).toBe(0);
    const results = JSON.parse(required.output.trim().split('\n').pop()!);
    for (const s of cjs) expect(results[s], s).toBeTypeOf('number');
    for (const s of esmOnly) expect(results[s], s).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    copyFixture('smoke.cjs');
    const smoke = await node('smoke.cjs');
    expect(smoke.status, smoke.output).toBe(0);
    expect(smoke.output).toMatch(/^ok /m);
  });

  it('one process with an ESM import and a CommonJS require shares one engine', async () => {
    copyFixture('mixed.mjs');
    const mixed = await node('mixed.mjs');
    expect(mixed.status, mixed.output).toBe(0);
    expect(mixed.output).toMatch(/^ok /m);
  });

  it('the entries that run inside vitest (@rnn/tensor/testing) work in a vitest run of the project', async () => {
    const inside = entries.filter(inVitest);
    expect(inside.map((e) => e.specifier)).toContain('@rnn/tensor/testing');
    mkdirSync(join(app, 'test'), { recursive: true });
    writeFileSync(
      join(app, 'test', 'entries.test.mjs'),
      "import { expect, it } from 'vitest';\n" +
        inside.map((e, i) => `import * as e${i} from '${e.specifier}';\n`).join('') +
        `it('imports', () => {\n${inside.map((_e, i) => `  expect(Object.keys(e${i}).length).toBeGreaterThan(0);\n`).join('')}});\n`,
    );
    copyFixture('conformance.test.mjs', 'test');
    const r = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', '--root', app, 'test'], app, {
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/Tests\s+\d+ passed/);
  });

  it('tsc --noEmit: every entry has types under moduleResolution node16 (ESM and CJS) and bundler', async () => {
    const strict = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', types: ['node'] };
    mkdirSync(join(app, 'types'), { recursive: true });
    const use = (i: number) => `const n${i}: number = Object.keys(e${i}).length;\nvoid n${i};\n`;
    writeFileSync(
      join(app, 'types', 'entries.mts'),
      entries.map((e, i) => `import * as e${i} from '${e.specifier}';\n${use(i)}`).join(''),
    );
    writeFileSync(
      join(app, 'types', 'entries.cts'),
      entries
        .filter((e) => e.cjs)
        .map((e, i) => `import e${i} = require('${e.specifier}');\n${use(i)}`)
        .join(''),
    );
    writeFileSync(
      join(app, 'types', 'entries.ts'),
      entries.map((e, i) => `import * as e${i} from '${e.specifier}';\n${use(i)}`).join(''),
    );
    // Every declaration file checked (skipLibCheck off; the WebGPU types need the DOM library), and a
    // typical Node project (no DOM, skipLibCheck on) as well.
    const node16 = { ...strict, module: 'node16', moduleResolution: 'node16' };
    writeJson(join(app, 'tsconfig.node16.json'), {
      compilerOptions: { ...node16, lib: ['ES2022', 'DOM'] },
      files: ['types/entries.mts', 'types/entries.cts'],
    });
    writeJson(join(app, 'tsconfig.node16-nodom.json'), {
      compilerOptions: { ...node16, lib: ['ES2022'], skipLibCheck: true },
      files: ['types/entries.mts', 'types/entries.cts'],
    });
    writeJson(join(app, 'tsconfig.bundler.json'), {
      compilerOptions: { ...strict, module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'] },
      files: ['types/entries.ts'],
    });
    for (const config of ['tsconfig.node16.json', 'tsconfig.node16-nodom.json', 'tsconfig.bundler.json']) {
      const r = await run(process.execPath, [tsc, '-p', config], app);
      expect(r.status, `${config}:\n${r.output}`).toBe(0);
    }
  });

  it('a browser bundle of every browser-safe entry runs in headless Chromium, WebGPU included', async () => {
    const browserEntries = entries.filter((e) => e.browser);
    expect(browserEntries.map((e) => e.specifier)).toContain('@rnn/tensor');
    copyFixture('browser.ts');
    writeFileSync(
      join(app, 'browser-entries.ts'),
      `${browserEntries.map((e, i) => `import * as e${i} from '${e.specifier}';`).join('\n')}\n` +
        `(window as unknown as { __entries: Record<string, number> }).__entries = {\n` +
        `${browserEntries.map((e, i) => `  '${e.specifier}': Object.keys(e${i}).length,`).join('\n')}\n};\n` +
        "import './browser';\n",
    );
    const result = await inChromium(join(app, 'browser-entries.ts'), '__smoke');
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, backend: 'webgpu', product: [3, 7] });
    expect(result.last).toBeLessThan((result.first as number) / 10);
    expect((result.native as { main: { active: boolean } }).main.active).toBe(false);
    const counts = result.entries as Record<string, number>;
    for (const e of browserEntries) {
      expect(counts[e.specifier], e.specifier).toBeTypeOf('number');
      if (!e.register) expect(counts[e.specifier], e.specifier).toBeGreaterThan(0);
    }
  });
});

describe('README samples (type-checked and run against the installed packages)', () => {
  const samples = readmeSamples();

  it('every ```ts block type-checks (strict, moduleResolution bundler)', async () => {
    expect(samples.length).toBeGreaterThan(10);
    const dir = join(app, 'samples');
    mkdirSync(dir, { recursive: true });
    for (const s of samples) writeFileSync(join(dir, sampleFile(s)), `${s.code}\nexport {};\n`);
    writeJson(join(app, 'tsconfig.samples.json'), {
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
      },
      include: ['samples/*.ts'],
    });
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.samples.json'], app);
    // name the README line each error comes from
    const output = r.output.replace(
      /samples\/([\w-]+?)(?:\.test)?\.ts\((\d+),(\d+)\)/g,
      (_m, id: string, line: string) => {
        const s = samples.find((x) => x.id === id)!;
        return `${s.readme}:${readmeLine(s, Number(line))}`;
      },
    );
    expect(r.status, output).toBe(0);
  });

  it('every Node sample runs to the end (in README order, one folder per README)', async () => {
    const failures: string[] = [];
    expect(samples.filter((x) => x.mode === 'node').length).toBeGreaterThan(10);
    for (const s of samples.filter((x) => x.mode === 'node')) {
      const cwd = join(app, 'runs-of', s.id.replace(/-\d+$/, ''));
      mkdirSync(cwd, { recursive: true });
      const file = join(app, 'samples', `${s.id}.mjs`);
      await build({
        entryPoints: [join(app, 'samples', `${s.id}.ts`)],
        outfile: file,
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'es2022',
        logLevel: 'silent',
      });
      const r = await run(process.execPath, [file], cwd, { VK_ICD_FILENAMES: SWIFTSHADER_ICD }, 180_000);
      if (r.status !== 0) failures.push(`${s.readme}:${s.line} (${s.id}) exited ${r.status}:\n${r.output}`);
    }
    expect(failures.join('\n\n')).toBe('');
  });

  it('every vitest sample passes in a vitest run of the project', async () => {
    const files = samples.filter((x) => x.mode === 'vitest').map((x) => `samples/${sampleFile(x)}`);
    expect(files.length).toBeGreaterThan(0);
    const r = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', '--root', app, ...files], app, {
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(new RegExp(`Test Files\\s+${files.length} passed`));
  });

  it('every browser sample runs in headless Chromium', async () => {
    const failures: string[] = [];
    expect(samples.filter((x) => x.mode === 'browser').length).toBeGreaterThan(0);
    for (const s of samples.filter((x) => x.mode === 'browser')) {
      const wrapper = join(app, 'samples', `${s.id}.browser.ts`);
      writeFileSync(
        wrapper,
        `const w = window as unknown as { __sample?: { ok: boolean; error?: string } };\n` +
          `import('./${s.id}').then(() => { w.__sample = { ok: true }; }, (e: Error) => { w.__sample = { ok: false, error: String(e.stack ?? e) }; });\n`,
      );
      const result = await inChromium(wrapper, '__sample');
      if (!result.ok) failures.push(`${s.readme}:${s.line} (${s.id}): ${JSON.stringify(result)}`);
    }
    expect(failures.join('\n\n')).toBe('');
  });
});

/** The file a sample is written to: `<id>.test.ts` for vitest samples, `<id>.ts` otherwise. */
function sampleFile(s: { id: string; mode: string }): string {
  return s.mode === 'vitest' ? `${s.id}.test.ts` : `${s.id}.ts`;
}

function copyFixture(name: string, dir = ''): void {
  writeFileSync(join(app, dir, name), readFileSync(new URL(`./consumer/${name}`, import.meta.url)));
}

/** Entries that run inside vitest only (`@rnn/tensor/testing` imports it). */
function inVitest(e: Entry): boolean {
  return e.subpath === './testing';
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

/** Bundles `entry` for the browser (esbuild, from the app's node_modules), runs it in Chromium, returns `window[key]`. */
async function inChromium(entry: string, key: string): Promise<Record<string, unknown>> {
  const bundle = await build({
    entryPoints: [entry],
    absWorkingDir: app,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text;
  const html =
    '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="/app.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction((k) => (window as unknown as Record<string, unknown>)[k] !== undefined, key, {
      timeout: 120_000,
    });
    const result = await page.evaluate((k) => {
      const w = window as unknown as Record<string, unknown>;
      return { ...(w[k] as Record<string, unknown>), entries: w.__entries };
    }, key);
    await page.close();
    return { ...result, logs };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
