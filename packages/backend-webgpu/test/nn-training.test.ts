/**
 * A small sequence classifier built from `@rnn/nn` (Embedding → bidirectional LSTM over a packed batch →
 * LayerNorm → Linear → cross-entropy), trained with AdamW for a few steps on WebGPU and on the CPU
 * backend from the same seed: every new fused kernel (rnnLayer forward and backward, layerNorm forward
 * and backward, adamUpdate) runs inside a real training loop. The losses must agree at every step
 * (float32 drift: rtol 1e-4), the model must learn, and WebGPU memory must stay flat from step to step.
 */
import {
  AdamW,
  crossEntropy,
  Embedding,
  LayerNorm,
  Linear,
  LSTM,
  type PackedSequence,
  packPaddedSequence,
} from '@rnn/nn';
import { manualSeed, memory, scope, tensor } from '@rnn/tensor';
import { beforeAll, expect, it } from 'vitest';
import { webgpu } from './gpu';

const STEPS = 12;
const LOSS_RTOL = 1e-4;
const [V, E, H, C, B, T] = [20, 8, 12, 3, 6, 7];
const LENGTHS = [7, 3, 5, 7, 2, 4];

beforeAll(async () => {
  await webgpu();
});

async function train(backend: string) {
  manualSeed(99);
  const emb = new Embedding(V, E, { backend });
  const lstm = new LSTM(E, H, { bidirectional: true, backend });
  const norm = new LayerNorm(2 * H, { backend });
  const head = new Linear(2 * H, C, { backend });
  const params = [emb, lstm, norm, head].flatMap((m) => m.parameters());
  const opt = new AdamW(params, { lr: 0.01 });
  // Tokens [T, B] (time-major); the class is whether the first token is small, medium or large.
  const tokens = Array.from({ length: T * B }, (_, i) => (i * 7 + Math.floor(i / B) * 3) % V);
  const labels = Array.from({ length: B }, (_, b) => Math.floor((tokens[b] * C) / V));
  const losses: number[] = [];
  const live: number[][] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = await scope(async () => {
      const x = emb.forward(tensor(tokens, { shape: [T, B], dtype: 'int32', backend }));
      const packed = packPaddedSequence(x, LENGTHS, { enforceSorted: false });
      const [, [hN]] = lstm.forward(packed as unknown as PackedSequence);
      // Both directions' final states, [B, 2H].
      const feats = norm.forward(hN.permute([1, 0, 2]).reshape([B, 2 * H]));
      const l = crossEntropy(head.forward(feats), tensor(labels, { dtype: 'int32', backend }));
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l.item();
    });
    losses.push(loss);
    const mem = memory().backends[backend];
    live.push([mem.tensors, mem.buffers]);
  }
  opt.dispose();
  for (const p of params) p.dispose();
  return { losses, live };
}

it(`an nn classifier (Embedding, packed BiLSTM, LayerNorm, Linear, AdamW) trains ${STEPS} steps on WebGPU with the CPU's losses`, async () => {
  const gpu = await train('webgpu');
  const cpu = await train('cpu');
  let worst = 0;
  for (let i = 0; i < STEPS; i++) {
    const rel = Math.abs(gpu.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i]);
    worst = Math.max(worst, rel);
    expect(rel, `step ${i}: webgpu ${gpu.losses[i]} vs cpu ${cpu.losses[i]}`).toBeLessThanOrEqual(LOSS_RTOL);
  }
  console.log(
    `nn classifier, ${STEPS} AdamW steps: loss ${cpu.losses[0].toFixed(4)} -> ${cpu.losses[STEPS - 1].toFixed(4)} (cpu), ` +
      `${gpu.losses[0].toFixed(4)} -> ${gpu.losses[STEPS - 1].toFixed(4)} (webgpu); worst relative difference ${worst.toExponential(2)}`,
  );
  expect(gpu.losses[STEPS - 1]).toBeLessThan(gpu.losses[0] * 0.7);
  expect(gpu.live[STEPS - 1]).toEqual(gpu.live[2]);
});
