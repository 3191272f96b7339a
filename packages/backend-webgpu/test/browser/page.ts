/**
 * The browser side of `browser.test.ts`: bundled with esbuild and loaded by headless Chromium. It
 * uses `navigator.gpu` (no `gpu` option), runs a matmul and a softmax on the WebGPU backend and
 * publishes the results (or the error) on `window.__result`.
 */
import { matmul, setBackend, softmax, tensor } from '@rnn/tensor';
import { createWebGPUBackend, registerWebGPUBackend } from '../../src/index';

declare global {
  interface Window {
    __result?:
      | { ok: true; adapter: unknown; product: number[]; probs: number[] }
      | { ok: false; error: string };
  }
}

async function main(): Promise<void> {
  const probe = await createWebGPUBackend(); // navigator.gpu
  const adapter = probe.adapter;
  probe.destroy();
  registerWebGPUBackend();
  await setBackend('webgpu');
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([
    [0.5, -1],
    [2, 0.25],
    [-1.5, 3],
  ]);
  const product = matmul(a, b);
  const probs = softmax(product, 1);
  window.__result = {
    ok: true,
    adapter,
    product: Array.from(await product.data()),
    probs: Array.from(await probs.data()),
  };
}

main().catch((e: unknown) => {
  window.__result = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
});
