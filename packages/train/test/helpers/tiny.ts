// A tiny classifier with dropout, a shuffling DataLoader, Adam and a scheduler: every source of state
// an exact resume must restore (weights, optimizer moments, scheduler, default generator, loader).
import { ArrayDataset, DataLoader } from '@rnn/data';
import { Adam, crossEntropy, Dropout, Linear, Module, StepLR } from '@rnn/nn';
import { Generator, manualSeed, randint, randn, type Tensor, tensor } from '@rnn/tensor';
import { backwardStep, evaluate, type FitOptions } from '../../src';

export class TinyNet extends Module {
  fc1 = new Linear(4, 16);
  drop = new Dropout(0.3);
  fc2 = new Linear(16, 3);

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.drop.forward(this.fc1.forward(x).tanh()));
  }
}

export interface Batch {
  x: Tensor;
  y: Tensor;
  size: number;
}

/**
 * Everything a run needs, built from `seed`; `losses` collects every training step's loss. The
 * loader shuffles from the default generator (shared with dropout), or from its own with `ownGenerator`.
 */
export function tinyRun(seed = 0, { ownGenerator = false } = {}) {
  manualSeed(seed);
  const x = randn([64, 4]);
  const y = randint(0, 3, [64]);
  const vx = randn([32, 4]);
  const vy = randint(0, 3, [32]);
  const model = new TinyNet();
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.8 });
  const loader = new DataLoader(new ArrayDataset(Array.from({ length: 64 }, (_, i) => i)), {
    batchSize: 16,
    shuffle: true,
    generator: ownGenerator ? new Generator(seed + 100) : undefined,
    collate: (rows): Batch => {
      const idx = tensor(Int32Array.from(rows));
      return { x: x.indexSelect(0, idx), y: y.indexSelect(0, idx), size: rows.length };
    },
  });
  const losses: number[] = [];
  const options = {
    data: loader,
    model,
    optimizer,
    scheduler,
    trainStep: async (b: Batch) => {
      const out = await backwardStep(crossEntropy(model.forward(b.x), b.y), optimizer, { maxGradNorm: 1 });
      losses.push(out.loss);
      return { loss: out.loss, size: b.size };
    },
    evaluate: () => evaluate(model, async () => ({ loss: await crossEntropy(model.forward(vx), vy).item() })),
  } satisfies Partial<FitOptions<Batch>>;
  return { model, optimizer, scheduler, loader, losses, options };
}

/** The exact bits of a list of numbers, for bit-for-bit comparisons. */
export function bits(values: readonly number[]): string {
  return Buffer.from(Float64Array.from(values).buffer).toString('hex');
}

/** The exact bits of every parameter of a model. */
export async function weightBits(model: Module): Promise<string> {
  const parts: string[] = [];
  for (const [name, p] of model.namedParameters())
    parts.push(name, Buffer.from((await p.data()).buffer).toString('hex'));
  return parts.join('|');
}
