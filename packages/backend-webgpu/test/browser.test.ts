/**
 * The browser path, proven: headless Chromium (the system's `/usr/bin/chromium`, driven by
 * playwright-core, which never downloads a browser) loads a page from a local HTTP server on
 * 127.0.0.1, whose script (this package bundled with esbuild) runs a matmul and a softmax on
 * `navigator.gpu` — SwiftShader on machines without a GPU — plus a packed LSTM layer and an
 * out-of-range index (which must reject the read).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The browser the tests drive: the distribution's Chromium (`apt-get install -y chromium`). */
const CHROMIUM = process.env.RNN_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that give headless Chromium a WebGPU adapter on SwiftShader (see shared/tools/WEBGPU.md). */
const CHROMIUM_ARGS = [
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

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

let server: Server;
let browser: Browser | undefined;
let url: string;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [here('./browser/page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    alias: {
      '@rnn/tensor/backend': here('../../tensor/src/backend/index.ts'),
      '@rnn/tensor': here('../../tensor/src/index.ts'),
    },
  });
  const script = bundle.outputFiles[0].text;
  const html =
    '<!doctype html><meta charset="utf-8"><title>@rnn webgpu</title><script type="module" src="/page.js"></script>';
  server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

it('runs a matmul, a softmax, a fused LSTM layer (forward + backward) and an index check on navigator.gpu in headless Chromium', async () => {
  const page = await browser!.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: 60_000 });
  const result = await page.evaluate(() => window.__result!);
  expect(result, logs.join('\n')).toMatchObject({ ok: true });
  if (!result.ok) return;
  // [[1, 2, 3], [4, 5, 6]] @ [[0.5, -1], [2, 0.25], [-1.5, 3]]
  const product = [0, 8.5, 3, 15.25];
  expect(result.product).toEqual(product);
  const softmax = [0, 1].flatMap((r) => {
    const row = product.slice(2 * r, 2 * r + 2);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    return e.map((v) => v / (e[0] + e[1]));
  });
  for (const [i, p] of result.probs.entries()) expect(p).toBeCloseTo(softmax[i], 6);
  // The fused LSTM layer ran on WebGPU in the browser and agrees with the CPU backend (float32).
  expect(result.fusedRnnLayer).toBe(true);
  expect(result.lstmMaxDiff).toBeLessThan(1e-5);
  // The device-side index check works in the browser too.
  expect(result.badIndex).toMatch(/webgpu: indexSelect: index 5 at position 1 is out of range \[0, 2\)/);
  console.log('browser adapter:', JSON.stringify(result.adapter), 'LSTM layer max diff:', result.lstmMaxDiff);
  await page.close();
});
