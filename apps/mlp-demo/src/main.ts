/**
 * The @rnn quick demo: trains a small MLP to separate two interleaved spirals, with nothing but
 * `@rnn/tensor` ops on the built-in CPU backend, and prints its progress.
 *
 *   node dist/main.js [--epochs N] [--seed S] [--hidden H] [--lr LR] [--batch B] [--points P]
 */
import { parseArgs } from 'node:util';
import { getBackend, manualSeed, memory } from '@rnn/tensor';
import { twoSpirals } from './data';
import { Adam, accuracy, MLP, trainEpoch } from './model';

const TARGET_ACCURACY = 0.95;

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '300' },
    seed: { type: 'string', default: '0' },
    hidden: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.01' },
    batch: { type: 'string', default: '50' },
    points: { type: 'string', default: '400' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: node dist/main.js [--epochs 300] [--seed 0] [--hidden 32] [--lr 0.01] [--batch 50] [--points 400]',
  );
  process.exit(0);
}

/** Reads a numeric option, exiting with a readable message when it is not a positive number. */
function num(name: keyof typeof values, integer = true): number {
  const v = Number(values[name]);
  if (!(v > 0 || (name === 'seed' && v === 0)) || (integer && !Number.isInteger(v))) {
    console.error(
      `--${name}: expected a ${integer ? 'positive integer' : 'positive number'}, got ${values[name]}`,
    );
    process.exit(2);
  }
  return v;
}

const epochs = num('epochs');
const seed = num('seed');
const hidden = num('hidden');
const lr = num('lr', false);
const batch = num('batch');
const points = num('points');

manualSeed(seed); // data, initial weights and batch order all come from this seed
const data = twoSpirals({ points });
const model = new MLP([2, hidden, hidden, 2]);
const opt = new Adam(model.parameters(), lr);

console.log(
  `two spirals: ${data.size} points | MLP 2-${hidden}-${hidden}-2 (tanh) | Adam lr=${lr} | ` +
    `batch ${batch} | seed ${seed} | backend ${getBackend().name}`,
);
console.log('epoch      loss   train acc   steps/s   live tensors');

const printEvery = Math.max(1, Math.round(epochs / 15));
const start = performance.now();
let lastTime = start;
let stepsSince = 0;
let loss = Number.NaN;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const r = trainEpoch(model, opt, data, batch);
  loss = r.loss;
  stepsSince += r.steps;
  if (epoch % printEvery === 0 || epoch === 1 || epoch === epochs) {
    const now = performance.now();
    const stepsPerSec = (stepsSince / (now - lastTime)) * 1000;
    const acc = accuracy(model, data.x, data.y);
    console.log(
      `${String(epoch).padStart(5)}  ${loss.toFixed(4).padStart(8)}  ${(acc * 100).toFixed(1).padStart(9)}%  ` +
        `${stepsPerSec.toFixed(0).padStart(8)}  ${String(memory().tensors).padStart(13)}`,
    );
    lastTime = now;
    stepsSince = 0;
  }
}

const seconds = (performance.now() - start) / 1000;
const finalAcc = accuracy(model, data.x, data.y);
console.log(
  `final: loss ${loss.toFixed(4)}, train accuracy ${(finalAcc * 100).toFixed(1)}% ` +
    `after ${epochs} epochs in ${seconds.toFixed(1)} s ` +
    `(${finalAcc >= TARGET_ACCURACY ? 'reached' : 'below'} the ${TARGET_ACCURACY * 100}% target)`,
);
