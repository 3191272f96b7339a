// The built site in headless Chromium, for the tests and the screenshots: a static server for
// .vitepress/dist on 127.0.0.1 (clean URLs as a host would serve them) and the system's Chromium
// (/usr/bin/chromium, or RNN_CHROMIUM) driven by playwright-core, which never downloads a browser.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { docsDir } from './paths.mjs';

export const distDir = join(docsDir, '.vitepress', 'dist');
export const CHROMIUM = process.env.RNN_CHROMIUM ?? '/usr/bin/chromium';

/** The flags the CI run uses: no GPU, so the demos run on the CPU backend. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** WebGPU on SwiftShader, the software Vulkan driver Debian's chromium ships (see shared/tools/WEBGPU.md). */
export const CHROMIUM_WEBGPU_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan,WebGPU',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves the built site; resolves to `{ url, close }`.
 * @param {string} [root] the built site (default: .vitepress/dist)
 * @returns {Promise<{ url: string; close: () => Promise<void> }>}
 */
export async function serveSite(root = distDir) {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`${root} has no index.html: build the site first (pnpm --filter @rnn/docs build)`);
  }
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const candidates = [join(root, path), join(root, `${path}.html`), join(root, path, 'index.html')];
    const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/html' }).end(readFileSync(join(root, '404.html')));
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/**
 * Launches Chromium with a fresh user-data-dir; `close()` removes it.
 * @param {string[]} [args] Chromium's flags (default: the CI's, without a GPU)
 * @returns {Promise<{ context: import('playwright-core').BrowserContext; close: () => Promise<void> }>}
 */
export async function launchChromium(args = CHROMIUM_ARGS) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rnn-docs-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects console errors, uncaught exceptions and failed requests of a page.
 * @param {import('playwright-core').Page} page
 * @returns {string[]} the list, growing as they happen
 */
export function watchErrors(page) {
  /** @type {string[]} */
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    // ERR_ABORTED: a prefetch of a linked page cut short by navigating on; not an error of the page.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  return errors;
}

/**
 * Trains the character LSTM demo on `page` until its loss has fallen below `ratio` × the first
 * loss (mean of the last 10 steps), then pauses and generates a sample. Returns what it saw.
 * @param {import('playwright-core').Page} page the demo's page, loaded
 * @param {{ ratio?: number; minSteps?: number; timeout?: number }} [options]
 * @returns {Promise<{ steps: number; firstLoss: number; recentLoss: number; backend: string; sample: string }>}
 */
export async function runCharLstmDemo(page, { ratio = 0.8, minSteps = 15, timeout = 150_000 } = {}) {
  const demo = page.locator('.char-lstm-demo');
  await demo.locator('button.train').click();
  await page.waitForFunction(
    ({ ratio, minSteps }) => {
      const el = document.querySelector('.char-lstm-demo');
      if (!el) return false;
      if (el.getAttribute('data-status') === 'error') return true;
      const step = Number(el.getAttribute('data-step'));
      const first = Number(el.getAttribute('data-first-loss'));
      const recent = Number(el.getAttribute('data-recent-loss'));
      return step >= minSteps && recent < ratio * first;
    },
    { ratio, minSteps },
    { timeout, polling: 250 },
  );
  const status = await demo.getAttribute('data-status');
  if (status === 'error') throw new Error(`the demo failed: ${await demo.locator('.error').textContent()}`);
  await demo.locator('button.pause').click();
  await page.waitForFunction(
    () => document.querySelector('.char-lstm-demo')?.getAttribute('data-status') === 'paused',
    undefined,
    {
      timeout: 60_000,
    },
  );
  await demo.locator('input.prompt-input').fill('Mary had');
  await demo.locator('button.generate').click();
  await page.waitForFunction(
    () =>
      Number(document.querySelector('.char-lstm-demo pre.sample')?.getAttribute('data-sample-length')) > 0,
    undefined,
    { timeout: 60_000 },
  );
  return {
    steps: Number(await demo.getAttribute('data-step')),
    firstLoss: Number(await demo.getAttribute('data-first-loss')),
    recentLoss: Number(await demo.getAttribute('data-recent-loss')),
    backend: (await demo.getAttribute('data-backend')) ?? '',
    sample: (await demo.locator('pre.sample').textContent()) ?? '',
  };
}

/**
 * Types `sentence` into the tagger demo and waits for its tags.
 * @param {import('playwright-core').Page} page the demo's page, loaded
 * @param {string} sentence words separated by spaces (punctuation too: the demo splits on spaces)
 * @param {{ timeout?: number }} [options]
 * @returns {Promise<string[]>} one tag per word
 */
export async function runTaggerDemo(page, sentence, { timeout = 60_000 } = {}) {
  const demo = page.locator('.tagger-demo');
  await page.waitForFunction(
    () => document.querySelector('.tagger-demo')?.getAttribute('data-status') !== 'loading',
    undefined,
    {
      timeout,
    },
  );
  if ((await demo.getAttribute('data-status')) === 'error') {
    throw new Error(`the tagger demo failed: ${await demo.locator('.error').textContent()}`);
  }
  await demo.locator('textarea.sentence').fill(sentence);
  // `sentence` is given tokenized (spaces around punctuation): the demo shows exactly these words
  const words = sentence.trim().split(/\s+/).join(' ');
  await page.waitForFunction(
    (w) => {
      const el = document.querySelector('.tagger-demo');
      return el?.getAttribute('data-status') === 'ready' && el.getAttribute('data-words') === w;
    },
    words,
    { timeout },
  );
  return ((await demo.getAttribute('data-tags')) ?? '').split(' ');
}
