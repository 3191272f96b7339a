#!/usr/bin/env node
/**
 * Measures one training step (forward, backward, clipping, optimizer update) of the language model on
 * random word ids with PTB's vocabulary, to size a model for a time budget before a full run:
 *
 *   node apps/rnn-lm/dist/step-time.js small tutorial 2x200 2x400 [--steps 20]
 *
 * A spec is a preset name or `LxH` (L layers of H units, tied, otherwise the small preset). Prints
 * wall and CPU milliseconds per step and the minutes a PTB epoch (929,589 tokens) would take. This is
 * a measurement, not a test: the machine's other work shows in the wall time.
 */
import { Adam, SGD } from '@rnn/nn';
import { manualSeed, randint } from '@rnn/tensor';
import { backwardStep } from '@rnn/train';
import { setupBackend } from '@rnn/train/node';
import { RNNLM } from './model';
import { PRESETS, type Preset, type PresetName } from './presets';
import { CarriedWindows, windowLoss } from './training';

const PTB_TRAIN_TOKENS = 929_589;
const VOCAB = 10_000;

function parseSpec(spec: string): Preset {
  if (spec in PRESETS) return PRESETS[spec as PresetName];
  const m = /^(\d+)x(\d+)$/.exec(spec);
  if (!m)
    throw new Error(`step-time: expected a preset (${Object.keys(PRESETS).join(', ')}) or LxH, got ${spec}`);
  const hidden = Number(m[2]);
  return { ...PRESETS.small, layers: Number(m[1]), hidden, embed: hidden };
}

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(args.splice(stepsAt, 2)[1]) : 20;
const backend = await setupBackend('cpu');
console.log(`${backend.description}; ${steps} steps after 3 of warm-up`);
for (const spec of args) {
  const p = parseSpec(spec);
  manualSeed(0);
  const model = new RNNLM({
    vocabSize: VOCAB,
    embedSize: p.embed,
    hiddenSize: p.hidden,
    layers: p.layers,
    dropout: p.dropout,
    tied: p.tied,
    ...(p.initRange === null ? {} : { initRange: p.initRange }),
  });
  const optimizer =
    p.optimizer === 'adam'
      ? new Adam(model.parameters(), { lr: p.lr })
      : new SGD(model.parameters(), { lr: p.lr });
  const ids = randint(0, VOCAB, [(steps + 4) * p.batchSize * p.bptt], {
    dtype: 'int32',
  }).dataSync() as Int32Array;
  const windows = new CarriedWindows(ids, p.batchSize, p.bptt);
  let wall = 0;
  let cpu = process.cpuUsage();
  let done = 0;
  for (const w of windows) {
    if (done === 3) {
      wall = performance.now();
      cpu = process.cpuUsage();
    }
    const [logits, state] = model.forward(w.input, windows.state);
    await backwardStep(windowLoss(logits, w.target), optimizer, { maxGradNorm: p.clip });
    await windows.carry(state);
    if (++done === steps + 3) break;
  }
  const ms = (performance.now() - wall) / steps;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / steps;
  const epochMinutes = (ms * Math.ceil(PTB_TRAIN_TOKENS / (p.batchSize * p.bptt))) / 60_000;
  console.log(
    `${spec.padEnd(8)} ${p.layers}×${p.hidden} emb ${p.embed} ${p.optimizer} batch ${p.batchSize}×${p.bptt}: ` +
      `${ms.toFixed(0)} ms/step (CPU ${cpuMs.toFixed(0)} ms), ${epochMinutes.toFixed(1)} min per PTB epoch, ` +
      `${Math.round((p.batchSize * p.bptt * 1000) / ms)} tokens/s`,
  );
}
