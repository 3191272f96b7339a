/**
 * `pnpm bench` (in apps/pos-tagger): training speed of the tagger on packed batches (the LSTMs never
 * compute on padding) against the same batches run padded (the LSTMs run over every padded step,
 * as without `packPaddedSequence`), on batches drawn at random and on length-bucketed batches. Both
 * models start from the same weights and see the same batches, alternating step by step. Prints
 * real tokens per second and the packed/padded ratio; nothing is asserted.
 *
 *   node dist/bench.js [--data DIR] [--steps 12] [--warmup 2] [--batch-size 32] [--hidden 200] [--layers 2]
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '@rnn/data';
import { Adam } from '@rnn/nn';
import { manualSeed } from '@rnn/tensor';
import { setupBackend } from '@rnn/train/node';
import { type Batch, collate, type EncodedSentence, encodeSentences } from './batches';
import { buildVocabularies, readSplits } from './data';
import { Tagger, type TaggerConfig } from './model';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    steps: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '32' },
    hidden: { type: 'string', default: '200' },
    layers: { type: 'string', default: '2' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const batchSize = Number(values['batch-size']);

const backend = await setupBackend('cpu');
const splits = await readSplits(values.data, 'upos');
const vocab = buildVocabularies(splits.train, 'upos');
const sentences = encodeSentences(splits.train, vocab);
const config: TaggerConfig = {
  words: vocab.words.size,
  chars: vocab.chars.size,
  tags: vocab.tags.length,
  wordDim: 100,
  charDim: 50,
  charHidden: 50,
  hidden: Number(values.hidden),
  layers: Number(values.layers),
  dropout: 0.33,
  wordDropout: 0.1,
};

/** Batches of `batchSize` sentences drawn at random (with replacement when the data is small). */
function randomBatches(rng: SeededRandom, n: number): EncodedSentence[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: batchSize }, () => sentences[rng.nextInt(sentences.length)]),
  );
}

/** Batches of sentences of similar length: a random pool of 50 batches, sorted by length, cut. */
function bucketedBatches(rng: SeededRandom, n: number): EncodedSentence[][] {
  const pool = randomBatches(rng, n)
    .flat()
    .sort((a, b) => a.words.length - b.words.length);
  const batches = Array.from({ length: n }, (_, i) => pool.slice(i * batchSize, (i + 1) * batchSize));
  return rng.shuffle(batches);
}

/** A training step of a fresh model (the same initial weights each time) on packed or padded batches. */
function trainer(packed: boolean): (b: Batch) => number {
  manualSeed(0);
  const model = new Tagger(config);
  const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
  return (b) => {
    optimizer.zeroGrad();
    const loss = model.loss(b, { packed });
    loss.backward();
    optimizer.step();
    return loss.itemSync();
  };
}
const packed = trainer(true);
const padded = trainer(false);

function run(name: string, batches: EncodedSentence[][]): void {
  const time = { packed: 0, padded: 0 };
  let tokens = 0;
  let cells = 0;
  batches.forEach((list, i) => {
    const b = collate(list, vocab);
    for (const [mode, t] of [
      ['packed', packed],
      ['padded', padded],
    ] as const) {
      const start = performance.now();
      t(b);
      if (i >= warmup) time[mode] += performance.now() - start;
    }
    if (i >= warmup) {
      tokens += b.tokens;
      cells += b.words.size;
    }
  });
  const rate = (ms: number) => tokens / (ms / 1000);
  console.log(
    `${name.padEnd(16)} padding ${((1 - tokens / cells) * 100).toFixed(0).padStart(2)}% of the cells | ` +
      `packed ${rate(time.packed).toFixed(0).padStart(5)} tokens/s | padded ${rate(time.padded).toFixed(0).padStart(5)} tokens/s | ` +
      `packed/padded ${(time.padded / time.packed).toFixed(2)}`,
  );
}

console.log(
  `pos-tagger bench: ${values.data ?? 'the samples'}, batches of ${batchSize} sentences, ` +
    `word 100 + char BiLSTM 50×2 → ${config.layers}-layer BiLSTM ${config.hidden}×2; ` +
    `${steps} timed steps after ${warmup} warm-up, alternating; ${backend.description}`,
);
const rng = new SeededRandom(1);
run('random batches', randomBatches(rng, warmup + steps));
run('length-bucketed', bucketedBatches(rng, warmup + steps));
