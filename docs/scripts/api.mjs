// The API reference: TypeDoc reads the TSDoc of every public package's entry points (from the sources,
// with @rnn/* mapped to sources in tsconfig.api.json so types link across packages) and
// typedoc-plugin-markdown writes Markdown pages under api/ that VitePress renders with the rest.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Application, LogLevel, ReflectionKind } from 'typedoc';
import { docsDir, repoRoot } from './paths.mjs';

/** The packages whose API is documented, in sidebar order. */
export const API_PACKAGES = [
  'tensor',
  'nn',
  'data',
  'train',
  'rl',
  'backend-webgpu',
  'backend-cuda',
  'cpu-native',
];

/**
 * An import path of a public package and the source file TypeDoc reads for it.
 * @typedef {{ name: string; source: string; dir: string }} ApiEntry
 */

/**
 * The options the API pages are generated with: TypeDoc's, typedoc-plugin-markdown's and
 * typedoc-vitepress-theme's (whose option types its entry point does not export).
 * @typedef {Partial<import('typedoc').TypeDocOptions> & import('typedoc-plugin-markdown').PluginOptions & {
 *   docsRoot?: string;
 *   sidebar?: { autoConfiguration: boolean; format: string; pretty: boolean; collapsed: boolean };
 * }} ApiOptions
 */

/**
 * Every public entry point (`exports` subpath) of the packages, mapped to its source file. Entries
 * that only register a backend as a side effect (`./register`) export nothing and are left out.
 * @returns {ApiEntry[]}
 */
export function apiEntryPoints() {
  /** @type {ApiEntry[]} */
  const entries = [];
  for (const dir of API_PACKAGES) {
    const pkgDir = join(repoRoot, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (subpath === './package.json' || subpath === './register') continue;
      const dist =
        typeof target === 'string' ? target : (target.import?.default ?? target.import ?? target.default);
      const stem = /^\.\/dist\/(.+)\.js$/.exec(dist)?.[1];
      if (!stem) throw new Error(`${pkg.name}: cannot map export "${subpath}" (${dist}) to a source file`);
      const source = [`src/${stem}.ts`, `src/${stem}/index.ts`].map((f) => join(pkgDir, f)).find(existsSync);
      if (!source)
        throw new Error(
          `${pkg.name}: no source for export "${subpath}" (tried src/${stem}.ts, src/${stem}/index.ts)`,
        );
      entries.push({ name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, source, dir });
    }
  }
  return entries;
}

/**
 * Runs TypeDoc; returns its warnings (undocumented exports among them, with `checkDocumented`) and
 * the number of errors.
 * @param {{ out?: string; quiet?: boolean; checkDocumented?: boolean }} [options]
 * @returns {Promise<{ warnings: number; errors: number; messages: string[] }>}
 */
export async function generateApi({
  out = join(docsDir, 'api'),
  quiet = false,
  checkDocumented = false,
} = {}) {
  const entries = apiEntryPoints();
  rmSync(out, { recursive: true, force: true });
  /** @type {ApiOptions} */
  const options = {
    entryPoints: entries.map((e) => e.source),
    tsconfig: join(docsDir, 'tsconfig.api.json'),
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    out,
    docsRoot: docsDir,
    readme: 'none',
    // The packages are type-checked by their own `typecheck`; here only the comments matter.
    skipErrorChecking: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    // Source links point at the repository (no git remote is needed to build the site).
    disableGit: true,
    basePath: repoRoot,
    displayBasePath: repoRoot,
    sourceLinkTemplate: 'https://github.com/rnn-js/rnn/blob/{gitRevision}/{path}#L{line}',
    gitRevision: 'main',
    // One page per entry point and one per class; functions, interfaces and types on the entry's page.
    outputFileStrategy: 'members',
    membersWithOwnFile: ['Class'],
    entryFileName: 'index',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    classPropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    indexFormat: 'table',
    sanitizeComments: true,
    validation: { notExported: false, invalidLink: true, notDocumented: checkDocumented },
    // What the gap report (scripts/api-gaps.mjs) asks of every package: each exported function, class,
    // interface, type, variable and each method (and, checked below, public class properties);
    // interface properties may be self-explanatory.
    requiredToBeDocumented: [
      'Function',
      'Class',
      'Interface',
      'TypeAlias',
      'Variable',
      'Enum',
      'Method',
      'Accessor',
    ],
    packagesRequiringDocumentation: API_PACKAGES.map((dir) => `@rnn/${dir}`),
    logLevel: quiet ? 'Error' : 'Warn',
    sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
  };
  const app = await Application.bootstrapWithPlugins(options);
  /** @type {string[]} */
  const messages = [];
  const log = app.logger.log.bind(app.logger);
  app.logger.log = (message, level) => {
    if (level === LogLevel.Warn) messages.push(stripVTControlCharacters(message));
    log(message, level);
  };
  // Module names as users import them: '@rnn/tensor/backend', not 'tensor/src/backend'.
  app.converter.on('resolveBegin', (context) => {
    const byFile = new Map(entries.map((e) => [e.source, e.name]));
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      // Modules are declarations: they have sources.
      const file = /** @type {import('typedoc').DeclarationReflection} */ (mod).sources?.[0]?.fullFileName;
      const name = file && byFile.get(file);
      if (name) mod.name = name;
    }
    context.project.name = '@rnn';
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages');
  app.validate(project);
  if (checkDocumented) {
    // TypeDoc's kinds cannot tell a class's properties from an interface's; a class's public
    // properties (`tensor.shape`, `linear.inFeatures`) are API like its methods: they need TSDoc too.
    for (const gap of undocumentedClassProperties(project)) {
      app.logger.warn(`${gap} (class property) does not have any documentation`);
    }
  }
  await app.generateOutputs(project);
  writeFileSync(join(out, 'index.md'), indexPage(entries, out));
  return { warnings: app.logger.warningCount, errors: app.logger.errorCount, messages };
}

/**
 * The public properties of exported classes that have no comment (own ones: an inherited property
 * is documented where it is declared).
 * @param {import('typedoc').ProjectReflection} project
 * @returns {string[]} `module.Class.property` of each
 */
function undocumentedClassProperties(project) {
  const gaps = [];
  for (const cls of project.getReflectionsByKind(ReflectionKind.Class)) {
    for (const prop of /** @type {import('typedoc').DeclarationReflection} */ (cls).children ?? []) {
      if (prop.kind !== ReflectionKind.Property || prop.inheritedFrom || prop.implementationOf) continue;
      if (prop.flags.isPrivate || prop.flags.isProtected || prop.comment?.hasVisibleComponent()) continue;
      gaps.push(prop.getFullName());
    }
  }
  return gaps;
}

/**
 * The API landing page: every entry point with its package's one-line description.
 * @param {ApiEntry[]} entries
 * @param {string} out
 */
function indexPage(entries, out) {
  const rows = entries.map((e) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'packages', e.dir, 'package.json'), 'utf8'));
    const page = findModulePage(out, e.name);
    const what = e.name === pkg.name ? pkg.description : entryDescription(e.name);
    return `| [\`${e.name}\`](${page}) | ${what} |`;
  });
  return `# API reference

Generated from the TSDoc comments of the packages' sources by TypeDoc at every build of the site, so it
always matches the code. Each import path is a page; classes have their own pages.

| import | what |
| --- | --- |
${rows.join('\n')}
`;
}

/** @param {string} name an import path that is not a package's main entry */
function entryDescription(name) {
  if (name.endsWith('/node')) return 'the Node-only part: files, processes, native code.';
  if (name.endsWith('/backend'))
    return "the backend author's layer: the contract, fused-op specs, helpers, registration.";
  if (name.endsWith('/testing'))
    return 'the conformance suite every backend runs, and `gradcheck` (ESM, inside vitest).';
  return '';
}

/**
 * The page TypeDoc wrote for a module, as a link relative to api/.
 * @param {string} out
 * @param {string} name
 */
function findModulePage(out, name) {
  // typedoc-plugin-markdown writes a module named '@rnn/tensor/backend' to '@rnn/tensor/backend/index.md'.
  const candidates = [join(out, name, 'index.md'), join(out, `${name}.md`)];
  const found = candidates.find(existsSync);
  if (!found) {
    const listing = readdirSync(out, { recursive: true }).slice(0, 40).join(', ');
    throw new Error(`API page of ${name} not found (looked for ${candidates.join(', ')}; have ${listing})`);
  }
  return `./${relative(out, found)
    .replace(/\.md$/, '')
    .replace(/(^|\/)index$/, '$1')}`;
}
