/**
 * The TypeScript samples of the site's pages, for the tests: every ```ts block is type-checked
 * against the packages as users get them (the workspace packages' built entries and types), and
 * the Node ones are run.
 *
 * The word after `ts` in a block's info string says how (the READMEs use the same words):
 *   ```ts          Node: an ES module (top-level await allowed), type-checked and run; it must exit 0
 *   ```ts browser  browser code (DOM, WebGPU): type-checked only
 *   ```ts vitest   a test file (e.g. the conformance suite): type-checked only
 *   ```ts check    type-checked only; the page says why it cannot run here (e.g. it needs a GPU)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export type SampleMode = 'node' | 'browser' | 'vitest' | 'check';

export interface Sample {
  /** File-name-safe id: `guide-memory-2`. */
  id: string;
  /** The page, relative to docs/. */
  page: string;
  /** Line of the opening fence (1-based). */
  line: number;
  mode: SampleMode;
  code: string;
}

const MODES = new Set<SampleMode>(['node', 'browser', 'vitest', 'check']);

/** Markdown pages of the site written by hand (the API pages are generated and have no samples). */
export function sitePages(docsDir: string): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'api', '.vitepress', 'public', 'scripts', 'test'].includes(entry.name))
          walk(path);
      } else if (entry.name.endsWith('.md')) {
        pages.push(relative(docsDir, path));
      }
    }
  };
  walk(docsDir);
  return pages.sort();
}

/** The ```ts blocks of one page. */
export function samplesOf(docsDir: string, page: string): Sample[] {
  const lines = readFileSync(join(docsDir, page), 'utf8').split('\n');
  const samples: Sample[] = [];
  const prefix = page.replace(/\.md$/, '').replace(/[^a-z0-9]+/gi, '-');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)(?:\s+([a-z]+))?(?:\s+\S.*)?$/.exec(lines[i]);
    if (!open) continue;
    const mode = (open[3] ?? 'node') as SampleMode;
    if (!MODES.has(mode))
      throw new Error(`${page}:${i + 1}: unknown sample mode "${mode}" (node, browser, vitest, check)`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++)
      body.push(lines[i].slice(open[1].length));
    if (i >= lines.length) throw new Error(`${page}:${start + 1}: unterminated code block`);
    samples.push({
      id: `${prefix}-${samples.length + 1}`,
      page,
      line: start + 1,
      mode,
      code: `${body.join('\n')}\n`,
    });
  }
  return samples;
}

/** Where samples are written: inside docs/ so that `@rnn/*` resolve as they do for the site. */
export function samplesDir(docsDir: string): string {
  return join(docsDir, 'node_modules', '.cache', 'samples');
}

/** Writes the samples as files; returns their paths by id. */
export function writeSamples(docsDir: string, samples: readonly Sample[]): Map<string, string> {
  const dir = samplesDir(docsDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, string>();
  for (const s of samples) {
    const file = join(dir, `${s.id}.ts`);
    // Relative imports are relative to the page: point them at the same files from here.
    const code = s.code.replace(
      /(from\s+|import\s+)(['"])(\.\.?\/[^'"]+)\2/g,
      (_, kw: string, q: string, spec: string) => {
        const target = relative(dir, resolve(docsDir, dirname(s.page), spec));
        return `${kw}${q}${target.startsWith('.') ? target : `./${target}`}${q}`;
      },
    );
    // `export {}` keeps each sample a module (own scope, top-level await) even without imports.
    writeFileSync(file, `${code}\nexport {};\n`);
    files.set(s.id, file);
  }
  return files;
}

/** Type errors of the samples, as `page:line: message` (the line inside the page). */
export function typeCheck(docsDir: string, samples: readonly Sample[], files: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node', '@webgpu/types'],
    typeRoots: [join(docsDir, 'node_modules', '@types'), join(docsDir, 'node_modules')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    isolatedModules: true,
    noUnusedLocals: false,
  };
  const program = ts.createProgram([...files.values()], options);
  const byFile = new Map([...files].map(([id, file]) => [file, samples.find((s) => s.id === id)!]));
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const sample = d.file && byFile.get(d.file.fileName);
    if (sample && d.start !== undefined) {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      errors.push(`${sample.page}:${sample.line + 1 + line}: ${message}`);
    } else {
      errors.push(`${d.file?.fileName ?? '(options)'}: ${message}`);
    }
  }
  return errors;
}
