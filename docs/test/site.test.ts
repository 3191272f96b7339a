/**
 * The built site in headless Chromium (the system's, with the CI flags: no GPU, so the demos run on
 * the CPU backend): every page renders without console errors, the training demo's loss falls and it
 * then writes a sample, the checkpoint demo tags a sentence correctly. Then both demos again on
 * WebGPU, which Chromium provides on SwiftShader (the software Vulkan driver Debian's chromium ships).
 * `pnpm test` builds the site first (turbo: test depends on build).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_WEBGPU_ARGS,
  distDir,
  launchChromium,
  runCharLstmDemo,
  runTaggerDemo,
  serveSite,
  watchErrors,
} from '../scripts/browser.mjs';

/** Every page of the built site, as URL paths (`/guide/memory`). */
function builtPages(): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'assets') walk(path);
      else if (e.name.endsWith('.html') && e.name !== '404.html') pages.push(path);
    }
  };
  walk(distDir);
  return pages
    .map(
      (p) =>
        `/${relative(distDir, p)
          .replace(/\.html$/, '')
          .replace(/(^|\/)index$/, '$1')}`,
    )
    .sort();
}

let site: Awaited<ReturnType<typeof serveSite>>;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;

beforeAll(async () => {
  site = await serveSite();
  browser = await launchChromium();
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('pages', () => {
  const pages = builtPages();

  it('has the guides, the app pages, the demos and the API reference', () => {
    for (const p of [
      '/',
      '/guide/getting-started',
      '/guide/from-pytorch',
      '/guide/packed-sequences',
      '/guide/memory',
      '/guide/backends',
      '/guide/writing-a-backend',
      '/guide/pytorch-weights',
      '/guide/data-loading',
      '/architecture',
      '/benchmarks',
      '/apps/',
      '/apps/pos-tagger',
      '/apps/rnn-lm',
      '/apps/text-classifier',
      '/apps/spinn',
      '/demos/char-lstm',
      '/demos/pos-tagger',
      '/api/',
      '/api/@rnn/tensor/',
      '/api/@rnn/tensor/classes/Tensor',
      '/api/@rnn/nn/classes/LSTM',
    ]) {
      expect(pages).toContain(p);
    }
  });

  it(`render without console errors (${pages.length} pages)`, async () => {
    const failures: string[] = [];
    // A few tabs at a time: most pages are static, the demo pages are checked (and run) below.
    const queue = pages.filter((p) => !p.startsWith('/demos/'));
    const worker = async () => {
      const page = await context.newPage();
      const errors = watchErrors(page);
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        errors.length = 0;
        const response = await page.goto(site.url + path, { waitUntil: 'load' });
        const h1 = await page
          .locator('.VPContent h1, .VPHero .name')
          .first()
          .textContent({ timeout: 10_000 });
        if (response?.status() !== 200) failures.push(`${path}: HTTP ${response?.status()}`);
        if (!h1?.trim()) failures.push(`${path}: no heading rendered`);
        for (const e of errors) failures.push(`${path}: ${e}`);
      }
      await page.close();
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 300_000);
});

describe('demos (CPU backend: Chromium runs without a GPU here)', () => {
  it('trains the character LSTM until its loss has fallen, then samples from it', async () => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/demos/char-lstm`);
    const result = await runCharLstmDemo(page);
    expect(result.backend).toMatch(/^CPU/);
    expect(result.recentLoss).toBeLessThan(0.8 * result.firstLoss);
    expect(result.firstLoss).toBeGreaterThan(3); // ln(55 characters) ≈ 4: an untrained model
    expect(result.sample.length).toBeGreaterThan('Mary had'.length);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('loads the checkpoint and tags a sentence', async () => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/demos/pos-tagger`);
    const tags = await runTaggerDemo(page, 'The cat sat on the mat .');
    expect(tags).toEqual(['DET', 'NOUN', 'VERB', 'ADP', 'DET', 'NOUN', 'PUNCT']);
    const info = await page.locator('.tagger-demo .info').textContent();
    expect(info).toMatch(/parameters/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('demos on WebGPU (SwiftShader: software Vulkan, so a smaller model)', () => {
  let gpu: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    gpu = await launchChromium(CHROMIUM_WEBGPU_ARGS);
  });

  afterAll(async () => {
    await gpu?.close();
  });

  it('trains the character LSTM on WebGPU until its loss has fallen', async () => {
    const page = await gpu.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/demos/char-lstm?backend=webgpu`);
    const demo = page.locator('.char-lstm-demo');
    await demo.locator('details summary').click();
    const [hidden, backend] = [demo.locator('details select').nth(0), demo.locator('details select').nth(1)];
    // the address preselects the backend
    await expect.poll(() => backend.inputValue(), { timeout: 30_000 }).toBe('webgpu');
    await hidden.selectOption('64');
    const result = await runCharLstmDemo(page, { timeout: 420_000 });
    expect(result.backend).toMatch(/^WebGPU/);
    expect(result.recentLoss).toBeLessThan(0.8 * result.firstLoss);
    expect(result.firstLoss).toBeGreaterThan(3);
    expect(result.sample.length).toBeGreaterThan('Mary had'.length);
    expect(errors).toEqual([]);
    await page.close();
  }, 480_000);

  it('tags a sentence with the checkpoint on WebGPU', async () => {
    const page = await gpu.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/demos/pos-tagger?backend=webgpu`);
    const tags = await runTaggerDemo(page, 'The cat sat on the mat .', { timeout: 120_000 });
    expect(tags).toEqual(['DET', 'NOUN', 'VERB', 'ADP', 'DET', 'NOUN', 'PUNCT']);
    expect(await page.locator('.tagger-demo .info').textContent()).toMatch(/WebGPU/);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
