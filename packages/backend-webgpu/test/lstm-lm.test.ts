/**
 * An LSTM language model trained for 50 steps on WebGPU and on the CPU backend from the same seed:
 * embedding lookup (`indexSelect`), dropout, the fused `lstmCell`, `matmul`, the fused
 * `softmaxCrossEntropy`, plain SGD through `assign` under `noGrad`. The losses must agree within
 * float32 tolerance at every step, the model must learn, and WebGPU memory must stay flat.
 */
import {
  dropout,
  keep,
  lstmCell,
  manualSeed,
  memory,
  noGrad,
  rand,
  scope,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@rnn/tensor';
import { beforeAll, expect, it } from 'vitest';
import { webgpu } from './gpu';

/** Loss tolerance: |webgpu - cpu| <= LOSS_RTOL * |cpu| at every step (float32 drift over 50 SGD steps). */
const LOSS_RTOL = 1e-4;

const TEXT = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat. ';
const CHARS = [...new Set(TEXT)].sort();
const [V, E, H, B, T] = [CHARS.length, 16, 32, 4, 10];
const STEPS = 50;
const LR = 0.5;

interface Model {
  embedding: Tensor;
  wIh: Tensor;
  wHh: Tensor;
  bias: Tensor;
  wOut: Tensor;
  bOut: Tensor;
}

/** Uniform init in [-s, s): `rand` gives bit-identical numbers on every backend for the same seed. */
function init(backend: string): Model {
  manualSeed(1234);
  const u = (shape: number[], s: number) =>
    keep(
      tidy(() =>
        noGrad(() =>
          rand(shape, { backend })
            .sub(0.5)
            .mul(2 * s),
        ),
      ).requiresGrad_(),
    );
  const k = 1 / Math.sqrt(H);
  return {
    embedding: u([V, E], 1),
    wIh: u([E, 4 * H], k),
    wHh: u([H, 4 * H], k),
    bias: u([4 * H], k),
    wOut: u([H, V], k),
    bOut: u([V], k),
  };
}

/** Batch `step`: B windows of T+1 characters at offsets that move through the text. */
function batch(step: number): { inputs: Int32Array[]; targets: Int32Array[] } {
  const ids = [...TEXT].map((c) => CHARS.indexOf(c));
  const inputs: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (let t = 0; t < T; t++) {
    inputs.push(Int32Array.from({ length: B }, (_, b) => ids[(step * 7 + b * 19 + t) % ids.length]));
    targets.push(Int32Array.from({ length: B }, (_, b) => ids[(step * 7 + b * 19 + t + 1) % ids.length]));
  }
  return { inputs, targets };
}

async function train(backend: string): Promise<{ losses: number[]; live: number[] }> {
  const m = init(backend);
  const params = Object.values(m);
  const losses: number[] = [];
  const live: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { inputs, targets } = batch(step);
    const loss = await scope(async () => {
      let h = zeros([B, H], { backend });
      let c = zeros([B, H], { backend });
      let total: Tensor | null = null;
      for (let t = 0; t < T; t++) {
        const x = dropout(m.embedding.indexSelect(0, tensor(inputs[t], { backend })), 0.1);
        const gates = x.matmul(m.wIh).add(h.matmul(m.wHh)).add(m.bias);
        [h, c] = lstmCell(gates, c);
        const logits = h.matmul(m.wOut).add(m.bOut);
        const l = softmaxCrossEntropy(logits, tensor(targets[t], { backend })).mean();
        total = total ? total.add(l) : l;
      }
      const mean = total!.div(T);
      mean.backward();
      noGrad(() => {
        for (const p of params) {
          p.assign(p.sub(p.grad!.mul(LR)));
          p.grad!.dispose();
          p.grad = null;
        }
      });
      return mean.item(); // the one read-back of the step
    });
    losses.push(loss);
    const mem = memory().backends[backend];
    live.push(mem.tensors, mem.buffers);
  }
  for (const p of params) p.dispose();
  return { losses, live };
}

beforeAll(async () => {
  await webgpu();
});

it(`an LSTM language model trains ${STEPS} steps on WebGPU with the CPU backend's losses (rtol ${LOSS_RTOL})`, async () => {
  let t0 = performance.now();
  const gpu = await train('webgpu');
  const tg = performance.now() - t0;
  t0 = performance.now();
  const cpu = await train('cpu');
  console.log(`time webgpu ${tg.toFixed(0)} ms, cpu ${(performance.now() - t0).toFixed(0)} ms`);
  let worst = 0;
  for (let i = 0; i < STEPS; i++) {
    const rel = Math.abs(gpu.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i]);
    worst = Math.max(worst, rel);
    expect(rel, `step ${i}: webgpu ${gpu.losses[i]} vs cpu ${cpu.losses[i]}`).toBeLessThanOrEqual(LOSS_RTOL);
  }
  console.log(
    `LSTM LM, ${STEPS} SGD steps: loss ${cpu.losses[0].toFixed(4)} -> ${cpu.losses[STEPS - 1].toFixed(4)} (cpu), ` +
      `${gpu.losses[0].toFixed(4)} -> ${gpu.losses[STEPS - 1].toFixed(4)} (webgpu); worst relative difference ${worst.toExponential(2)}`,
  );
  // it learns
  expect(gpu.losses[STEPS - 1]).toBeLessThan(gpu.losses[0] * 0.85);
  // memory is flat from step to step (tensors and the backend's live buffers)
  const at = (step: number) => gpu.live.slice(2 * step, 2 * step + 2);
  expect(at(STEPS - 1)).toEqual(at(2));
});
