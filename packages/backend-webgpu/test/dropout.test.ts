/**
 * Same seed, same dropout masks on WebGPU and on the CPU backend: `dropout` draws its uniforms from
 * the counter-based Philox generator, which both backends compute bit for bit. Checked on the op
 * itself, on `@rnn/nn`'s `Dropout` module, and inside a 2-layer LSTM with dropout between layers
 * (training mode), where the mask decides which hidden units reach the second layer.
 */
import { Dropout, LSTM } from '@rnn/nn';
import { dropout, manualSeed, ones, scope, type Tensor, tensor } from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from './compare';
import { webgpu } from './gpu';

beforeAll(async () => {
  await webgpu();
});

async function onBoth(f: (backend: string) => Tensor): Promise<[Float32Array, Float32Array]> {
  const run = (backend: string) =>
    scope(async () => {
      manualSeed(2024);
      return (await f(backend).data()) as Float32Array;
    });
  return [await run('webgpu'), await run('cpu')];
}

describe('dropout masks are the same on WebGPU and on the CPU for the same seed', () => {
  it('dropout(x, 0.3): the same elements are zeroed and the same are scaled', async () => {
    const [g, c] = await onBoth((backend) => dropout(ones([97, 33], { backend }), 0.3));
    expect(Array.from(g)).toEqual(Array.from(c));
    const zeros = Array.from(c).filter((v) => v === 0).length;
    // A real mask: about 30% zeros (binomial, 3201 draws).
    expect(zeros).toBeGreaterThan(0.25 * c.length);
    expect(zeros).toBeLessThan(0.35 * c.length);
  });

  it('two draws in a row differ from each other, identically on both backends', async () => {
    const [g, c] = await onBoth((backend) => {
      const x = ones([500], { backend });
      return dropout(x, 0.5).sub(dropout(x, 0.5));
    });
    expect(Array.from(g)).toEqual(Array.from(c));
    expect(Array.from(c).some((v) => v !== 0)).toBe(true);
  });

  it('the Dropout module in training mode', async () => {
    const [g, c] = await onBoth((backend) => new Dropout(0.25).forward(ones([40, 10], { backend })));
    expect(Array.from(g)).toEqual(Array.from(c));
  });

  it('a 2-layer LSTM with dropout between layers gives the same outputs', async () => {
    const r = rng(7);
    const x = Float32Array.from({ length: 5 * 3 * 6 }, () => r() * 2 - 1);
    const [g, c] = await onBoth((backend) => {
      const lstm = new LSTM(6, 8, { numLayers: 2, dropout: 0.5, backend });
      const [out] = lstm.forward(tensor(x, { shape: [5, 3, 6], backend }));
      return out;
    });
    // Same seed: same initial weights and the same masks; the results differ only by float32 rounding.
    for (let i = 0; i < c.length; i++) expect(Math.abs(g[i] - c[i])).toBeLessThan(1e-5);
    // The mask matters: without dropout the output is different.
    const [plain] = await onBoth((backend) => {
      const lstm = new LSTM(6, 8, { numLayers: 2, backend });
      return lstm.forward(tensor(x, { shape: [5, 3, 6], backend }))[0];
    });
    expect(Array.from(plain).some((v, i) => Math.abs(v - c[i]) > 1e-3)).toBe(true);
  });
});
