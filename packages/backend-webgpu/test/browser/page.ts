/**
 * The browser side of `browser.test.ts`: bundled with esbuild and loaded by headless Chromium. It
 * uses `navigator.gpu` (no `gpu` option), runs a matmul and a softmax on the WebGPU backend, and a
 * packed LSTM layer (the fused `rnnLayer` kernel, forward and backward) on WebGPU and on the CPU
 * backend, an embedding lookup past the table (which must reject its read), and publishes the results (or the error) on `window.__result`.
 */
import { getBackend, matmul, rnnLayer, scope, setBackend, softmax, type Tensor, tensor } from '@rnn/tensor';
import { createWebGPUBackend } from '../../src/index';
import '../../src/register'; // registers 'webgpu': nothing else to call

declare global {
  interface Window {
    __result?:
      | {
          ok: true;
          adapter: unknown;
          product: number[];
          probs: number[];
          fusedRnnLayer: boolean;
          lstmMaxDiff: number;
          badIndex: string;
        }
      | { ok: false; error: string };
  }
}

async function main(): Promise<void> {
  const probe = await createWebGPUBackend(); // navigator.gpu
  const adapter = probe.adapter;
  probe.destroy();
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
  const [gpuLstm, cpuLstm] = [await lstm('webgpu'), await lstm('cpu')];
  // An out-of-range index is recorded on the GPU and rejects the next read.
  const badIndex = await a
    .indexSelect(0, tensor([0, 5], { dtype: 'int32' }))
    .data()
    .then(
      () => 'no error',
      (e: Error) => e.message,
    );
  window.__result = {
    ok: true,
    adapter,
    product: Array.from(await product.data()),
    probs: Array.from(await probs.data()),
    fusedRnnLayer: typeof getBackend().fused?.rnnLayer?.backward === 'function',
    lstmMaxDiff: Math.max(...gpuLstm.map((v, i) => Math.abs(v - cpuLstm[i]))),
    badIndex,
  };
}

/** A packed LSTM layer (batch sizes 3, 2, 1), forward and backward: `y` and the gradient of `W_hh`. */
async function lstm(backend: string): Promise<number[]> {
  return scope(async () => {
    const H = 5;
    const vals = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + seed) * 0.6);
    const t = (n: number, shape: number[], seed: number, grad = false): Tensor =>
      tensor(vals(n, seed), { shape, backend, requiresGrad: grad });
    const wHh = t(4 * H * H, [4 * H, H], 3, true);
    const { y } = rnnLayer(
      {
        x: t(6 * 4, [6, 4], 0),
        h0: t(3 * H, [3, H], 1),
        c0: t(3 * H, [3, H], 2),
        wIh: t(4 * H * 4, [4 * H, 4], 4, true),
        wHh,
        bIh: t(4 * H, [4 * H], 5, true),
        bHh: t(4 * H, [4 * H], 6, true),
      },
      { mode: 'lstm', batchSizes: [3, 2, 1] },
    );
    y.mul(y).sum().backward();
    return [...(await y.data()), ...(await wHh.grad!.data())];
  });
}

main().catch((e: unknown) => {
  window.__result = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
});
