/**
 * Memory without `tidy` on WebGPU. GPU memory of a tensor nobody disposes comes back only when the
 * collector's callbacks run, between event-loop tasks: a loop that awaits each step (as a loop that
 * reads its loss does) stays bounded; a loop that never yields cannot be, and gets one warning that
 * names the fix.
 */
import { full, memory, randn, tidy } from '@rnn/tensor';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { webgpu } from './gpu';

beforeAll(async () => {
  await webgpu();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The engine issue's loop on WebGPU (one weight, a fresh input each step, backward, grad dropped), with
 * an elementwise product and a constant input: large buffers, little arithmetic for SwiftShader.
 */
function loop(size: number) {
  const w = randn([size, size], { backend: 'webgpu' }).requiresGrad_();
  return () => {
    const loss = w.mul(full([size, size], 0.5, { backend: 'webgpu' })).sum();
    loss.backward();
    w.grad = null;
    return loss;
  };
}

describe('webgpu memory without tidy', () => {
  it('storage handles carry ballast as large as their buffer, so the collector feels GPU memory', async () => {
    const t = randn([256, 256], { backend: 'webgpu' });
    const ballast = (t.storage as { ballast: ArrayBuffer | null }).ballast;
    expect(ballast).toBeInstanceOf(ArrayBuffer);
    expect(ballast!.byteLength).toBeGreaterThanOrEqual(256 * 256 * 4);
    t.dispose();
  });

  it('a loop that yields each step stays bounded with no scope, no dispose and no gc() call', async () => {
    // 32 MiB of GPU memory dropped per step and almost no JavaScript garbage: only the ballast makes
    // V8 collect (measured: without it the peak here was 1280 MiB, all 40 steps; with it 192 MiB).
    const live = () => memory().backends.webgpu.bytes;
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      randn([4096, 1024], { backend: 'webgpu' }).mul(2);
      await new Promise((r) => setTimeout(r, 0));
      peak = Math.max(peak, live());
    }
    expect(peak).toBeLessThan(512 * 2 ** 20);
  });

  it('a loop that never yields gets one warning naming tidy/scope, and tidy keeps it flat', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const step = loop(512); // 3 MiB dropped per step: the 64 MiB threshold after 22 steps
    for (let i = 0; i < 30; i++) step();
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes('never yields'))).toHaveLength(1);
    expect(messages.find((m) => m.includes('never yields'))).toMatch(/tidy\(.*scope\(.*await/s);

    // The same loop in tidy (with the gradient disposed, as optimizers' zeroGrad does): flat.
    const w = randn([1024, 1024], { backend: 'webgpu' }).requiresGrad_();
    const live = () => memory().backends.webgpu.bytes;
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      tidy(() => {
        w.mul(randn([1024, 1024], { backend: 'webgpu' }))
          .tanh()
          .sum()
          .backward();
        w.grad!.dispose();
        w.grad = null;
      });
      counts.push(live());
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    await (await webgpu()).sync(); // let the GPU finish the queued steps while the event loop runs
  });
});
