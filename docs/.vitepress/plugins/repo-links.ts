/**
 * Links from the site into the repository, checked at build time.
 *
 * - A relative link that leaves `docs/` (`../packages/nn/README.md`, `../apps/spinn`) and a link to
 *   this repository on GitHub (`https://github.com/rnn-js/rnn/blob/main/...`) must name a file or
 *   folder that exists in the checkout; the first kind becomes a GitHub link. A missing one is a dead
 *   link: the build fails, as VitePress fails on dead links between pages.
 * - Images outside `docs/` (an app's `results/*.png`) stay relative: Vite bundles them.
 * - `<!-- @readme: apps/pos-tagger/README.md -->` on a line of its own is replaced by that README
 *   (without its `# title`), its links rewritten relative to the page, so an app's page shows what its
 *   README says today. A line that is only a placeholder in capitals (`RESULTS`) becomes a note that the
 *   numbers are on their way; a link that leaves the repository becomes plain text (with a warning).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

export const REPO_URL = 'https://github.com/rnn-js/rnn';
const REPO_BLOB = /^https:\/\/github\.com\/rnn-js\/rnn\/(?:blob|tree)\/main\/([^?#]*)/;
const README_INCLUDE = /^<!--\s*@readme:\s*(\S+)\s*-->\s*$/gm;

export interface RepoLinksOptions {
  /** The repository's root folder. */
  repoRoot: string;
  /** The site's source folder (`docs/`). */
  srcDir: string;
  /** Collects dead links; the build fails when any were found (see `buildEnd` in the config). */
  deadLinks: string[];
}

interface Env {
  path?: string;
  relativePath?: string;
}

const inside = (root: string, file: string) => file === root || file.startsWith(root + sep);

/** GitHub's address of a repository path (a folder is a tree, a file a blob). */
function githubUrl(repoRoot: string, file: string, hash: string): string {
  const rel = relative(repoRoot, file).split(sep).join('/');
  const kind = existsSync(file) && statSync(file).isDirectory() ? 'tree' : 'blob';
  return `${REPO_URL}/${kind}/main/${rel}${hash}`;
}

/** Splits `path#hash` / `path?query`. */
function splitUrl(url: string): [string, string] {
  const i = url.search(/[?#]/);
  return i < 0 ? [url, ''] : [url.slice(0, i), url.slice(i)];
}

/** Relative links of an included README, rewritten to be relative to the page that includes it. */
function rebaseLinks(markdown: string, from: string, to: string, repoRoot: string, readme: string): string {
  const rebase = (url: string, label: string): string | null => {
    if (/^(?:[a-z]+:|#|\/)/i.test(url)) return url;
    const [path, hash] = splitUrl(url);
    const abs = resolve(from, decodeURI(path));
    if (!inside(repoRoot, abs)) {
      console.warn(
        `[repo-links] ${readme}: the link "${url}" (${label}) leaves the repository; shown as text`,
      );
      return null;
    }
    return relative(to, abs).split(sep).join('/') + hash;
  };
  // [text](url) and ![alt](url), not inside code spans or fences: good enough for the READMEs.
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*```/.test(line)) inFence = !inFence;
      if (inFence) return line;
      return line.replace(
        /(!?)\[([^\]]*)\]\(([^)\s]+)\)/g,
        (_whole, bang: string, text: string, url: string) => {
          const next = rebase(url, text);
          if (next === null) return text; // a link that cannot be rebased keeps its text
          return `${bang}[${text}](${next})`;
        },
      );
    })
    .join('\n');
}

/** A README for inclusion: without its title, placeholders as notes, links relative to the page. */
export function readmeForPage(readmePath: string, pageFile: string, repoRoot: string): string {
  const abs = resolve(repoRoot, readmePath);
  if (!existsSync(abs)) throw new Error(`@readme: ${readmePath} does not exist`);
  let text = readFileSync(abs, 'utf8');
  text = text.replace(/^# .*\n/, '');
  text = text.replace(
    /^([A-Z][A-Z_]{3,})$/gm,
    (_, name: string) =>
      `::: info Being measured\nThis part of the app's README (\`${name}\`) is still being written; the site shows it as soon as it is.\n:::`,
  );
  return rebaseLinks(text, dirname(abs), dirname(pageFile), repoRoot, readmePath);
}

export function repoLinks(md: MarkdownRenderer, options: RepoLinksOptions): void {
  const { repoRoot, srcDir, deadLinks } = options;

  // README includes, expanded before parsing (also for the local search index, which parses too).
  const parse = md.parse.bind(md);
  md.parse = (src: string, env: Env) => {
    if (env?.path && src.includes('@readme:')) {
      src = src.replace(README_INCLUDE, (_, readme: string) => readmeForPage(readme, env.path!, repoRoot));
    }
    return parse(src, env);
  };

  md.core.ruler.push('rnn_repo_links', (state) => {
    const env = state.env as Env;
    if (!env.path) return;
    const page = env.relativePath ?? env.path;
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        const isLink = token.type === 'link_open';
        const isImage = token.type === 'image';
        if (!isLink && !isImage) continue;
        const attr = isLink ? 'href' : 'src';
        const url = token.attrGet(attr);
        if (!url) continue;

        const gh = REPO_BLOB.exec(url);
        if (gh) {
          const file = join(repoRoot, decodeURI(gh[1]));
          if (!existsSync(file)) deadLinks.push(`${page}: ${url} (no ${gh[1]} in the repository)`);
          continue;
        }
        if (/^(?:[a-z][a-z0-9+.-]*:|#|\/\/)/i.test(url)) continue; // external, anchors
        if (url.startsWith('/')) continue; // site-absolute: VitePress checks those

        const [path, hash] = splitUrl(url);
        const abs = resolve(dirname(env.path), decodeURI(path));
        // Pages (and page-like links without an extension) inside docs/: VitePress's own checks.
        // Other files there (sources, scripts, models) and images are files of the repository.
        if (
          inside(srcDir, abs) &&
          (isImage || /(?:\.md|\.html|\/|^[^.]*)$/.test(path.split('/').pop() ?? ''))
        ) {
          continue;
        }
        if (!inside(repoRoot, abs)) {
          deadLinks.push(`${page}: ${url} (outside the repository)`);
          continue;
        }
        if (!existsSync(abs)) {
          deadLinks.push(`${page}: ${url} (no ${relative(repoRoot, abs)} in the repository)`);
          continue;
        }
        if (isLink) token.attrSet('href', githubUrl(repoRoot, abs, hash));
      }
    }
  });
}
