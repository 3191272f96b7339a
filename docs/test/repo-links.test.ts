/**
 * Links from pages into the repository (`.vitepress/plugins/repo-links.ts`), rendered by VitePress's
 * own Markdown renderer over a small repository in a temporary folder: links to files that exist
 * become GitHub links, dead ones are collected (the build fails on them), and `@readme` includes
 * bring in a README with its links rebased onto the page.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createMarkdownRenderer } from 'vitepress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_URL, repoLinks } from '../.vitepress/plugins/repo-links';

let repoRoot: string;
let srcDir: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
  writeFileSync(join(repoRoot, path), text);
}

/** Renders `markdown` as the page `docs/<page>`; returns the HTML and the dead links found. */
async function render(page: string, markdown: string): Promise<{ html: string; deadLinks: string[] }> {
  const deadLinks: string[] = [];
  const md = await createMarkdownRenderer(srcDir, {}, '/', { warn: () => {} });
  repoLinks(md, { repoRoot, srcDir, deadLinks });
  const html = md.render(markdown, { path: join(srcDir, page), relativePath: page });
  return { html, deadLinks };
}

beforeAll(() => {
  repoRoot = mkdtempSync(join(tmpdir(), 'rnn-repo-links-'));
  srcDir = join(repoRoot, 'docs');
  write('docs/guide/page.md', '');
  write('packages/nn/README.md', '# @rnn/nn\n');
  write('packages/nn/src/lstm.ts', '');
  write('apps/tagger/results/curves.png', '');
  write(
    'apps/tagger/README.md',
    [
      '# @rnn/tagger',
      '',
      'Trains with [`@rnn/train`](../../packages/nn) and plots ![curves](results/curves.png).',
      '',
      'RESULTS',
      '',
      'Data: [the corpus](../../../outside/SOURCE.md).',
      '',
      '```sh',
      'echo "[not a link](nowhere.md)"',
      '```',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(repoRoot, { recursive: true, force: true }));

describe('links into the repository', () => {
  it('turns a relative link to a file or folder of the repository into a GitHub link', async () => {
    const { html, deadLinks } = await render(
      'guide/page.md',
      '[README](../../packages/nn/README.md) and [the sources](../../packages/nn/src#lstm)',
    );
    expect(deadLinks).toEqual([]);
    expect(html).toContain(`href="${REPO_URL}/blob/main/packages/nn/README.md"`);
    expect(html).toContain(`href="${REPO_URL}/tree/main/packages/nn/src#lstm"`);
  });

  it('collects a relative link to a missing file, and one that leaves the repository', async () => {
    const { deadLinks } = await render(
      'guide/page.md',
      '[gone](../../packages/nn/GONE.md) [out](../../../elsewhere/file.ts)',
    );
    expect(deadLinks).toEqual([
      'guide/page.md: ../../packages/nn/GONE.md (no packages/nn/GONE.md in the repository)',
      'guide/page.md: ../../../elsewhere/file.ts (outside the repository)',
    ]);
  });

  it('checks links to the repository on GitHub against the checkout', async () => {
    const { html, deadLinks } = await render(
      'guide/page.md',
      `[ok](${REPO_URL}/blob/main/packages/nn/src/lstm.ts) [dead](${REPO_URL}/blob/main/packages/nn/src/gru.ts)`,
    );
    expect(html).toContain(`${REPO_URL}/blob/main/packages/nn/src/lstm.ts`);
    expect(deadLinks).toEqual([
      `guide/page.md: ${REPO_URL}/blob/main/packages/nn/src/gru.ts (no packages/nn/src/gru.ts in the repository)`,
    ]);
  });

  it('leaves links between pages, anchors and external links alone', async () => {
    const { deadLinks } = await render(
      'guide/page.md',
      '[page](./memory) [abs](/api/) [anchor](#top) [web](https://example.com/x)',
    );
    expect(deadLinks).toEqual([]);
  });
});

describe('@readme includes', () => {
  it("brings in an app's README without its title, links rebased onto the page", async () => {
    write('docs/apps/tagger.md', '');
    const { html, deadLinks } = await render(
      'apps/tagger.md',
      '# Tagger\n\n<!-- @readme: apps/tagger/README.md -->\n',
    );
    expect(html).not.toContain('@rnn/tagger</h1>');
    // the README's link to ../../packages/nn, seen from docs/apps/, is a folder of the repository
    expect(html).toContain(`href="${REPO_URL}/tree/main/packages/nn"`);
    // an image next to the README stays relative (Vite bundles it), rebased onto the page
    // (VitePress writes relative image paths with a leading ./)
    expect(html).toMatch(/src="(?:\.\/)?\.\.\/\.\.\/apps\/tagger\/results\/curves\.png"/);
    // a placeholder line becomes a note; a link out of the repository becomes its text
    expect(html).toContain('Being measured');
    expect(html).toContain('Data: the corpus.');
    // code blocks are left as they are
    expect(html).toContain('[not a link](nowhere.md)');
    expect(deadLinks).toEqual([]);
  });

  it('fails on a README that does not exist', async () => {
    await expect(render('apps/tagger.md', '<!-- @readme: apps/missing/README.md -->\n')).rejects.toThrow(
      /apps\/missing\/README.md does not exist/,
    );
  });
});
