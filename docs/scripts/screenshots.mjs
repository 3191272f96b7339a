// Screenshots of the demo pages as headless Chromium renders them (the CI's flags: no GPU, so the
// CPU backend), plus the training demo on WebGPU (SwiftShader) when `--webgpu` is given.
//
//   pnpm --filter @rnn/docs build && pnpm --filter @rnn/docs screenshots [--webgpu] [--out DIR]
//
// Writes PNGs to docs/screenshots/ (ignored by git) and prints what each demo reached.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CHROMIUM_WEBGPU_ARGS,
  launchChromium,
  runCharLstmDemo,
  runTaggerDemo,
  serveSite,
  watchErrors,
} from './browser.mjs';
import { docsDir } from './paths.mjs';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  // `pnpm screenshots -- --webgpu` passes the `--` on: it is not an argument of this script.
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    out: { type: 'string', default: join(docsDir, 'screenshots') },
    webgpu: { type: 'boolean', default: false },
    steps: { type: 'string', default: '120' },
  },
});
mkdirSync(values.out, { recursive: true });
const site = await serveSite();

/**
 * Runs the demos in one Chromium and writes their screenshots.
 * @param {string[] | undefined} args Chromium's flags (default: the CI's)
 * @param {string} label the backend, in the file names
 */
async function shoot(args, label) {
  const browser = await launchChromium(args);
  try {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);

    await page.goto(`${site.url}/demos/char-lstm`);
    const steps = Number(values.steps);
    // Train further than the test does, so the screenshot shows a curve and a sample worth reading.
    await page.locator('.char-lstm-demo details summary').click();
    await page.locator('.char-lstm-demo input[type=number]').fill(String(steps));
    const result = await runCharLstmDemo(page, { ratio: 0.8, timeout: 600_000 });
    await page.locator('.char-lstm-demo details summary').click();
    await page.locator('.char-lstm-demo button.train').click(); // continue to `steps`
    await page.waitForFunction(
      () => document.querySelector('.char-lstm-demo')?.getAttribute('data-status') === 'done',
      undefined,
      { timeout: 900_000, polling: 500 },
    );
    await page.waitForFunction(
      () =>
        Number(document.querySelector('.char-lstm-demo pre.sample')?.getAttribute('data-sample-length')) > 0,
      undefined,
      { timeout: 120_000 },
    );
    const demo = page.locator('.char-lstm-demo');
    await page.evaluate(() => window.scrollTo(0, 0));
    const file = join(values.out, `char-lstm-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const done = {
      steps: await demo.getAttribute('data-step'),
      firstLoss: await demo.getAttribute('data-first-loss'),
      recentLoss: await demo.getAttribute('data-recent-loss'),
      backend: await demo.getAttribute('data-backend'),
      sample: await demo.locator('pre.sample').textContent(),
    };
    console.log(`${file}\n  loss fell below 0.8 × first after ${result.steps} steps;`, JSON.stringify(done));

    if (label === 'cpu') {
      await page.goto(`${site.url}/demos/pos-tagger`);
      const tags = await runTaggerDemo(
        page,
        'Time flies like an arrow ; the blorfish gleeped quuxily in Zanzibar .',
      );
      const tagFile = join(values.out, `pos-tagger-${label}.png`);
      await page.screenshot({ path: tagFile, fullPage: true });
      console.log(`${tagFile}\n  ${tags.join(' ')}`);
    }
    if (errors.length) console.log(`  console errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
}

try {
  await shoot(undefined, 'cpu');
  if (values.webgpu) await shoot(CHROMIUM_WEBGPU_ARGS, 'webgpu');
} finally {
  await site.close();
}
