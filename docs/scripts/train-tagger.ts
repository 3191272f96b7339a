/**
 * Trains the small tagger of the checkpoint demo (`demos/lib/tagger.ts`) on UD English EWT and
 * writes `public/models/pos-tagger.safetensors`: float16 weights with the vocabularies, tag names,
 * sizes and scores in the safetensors metadata.
 *
 *   pnpm --filter @rnn/docs train-demo-checkpoint --data /path/to/data [--epochs 12] [--out FILE]
 *
 * `--data DIR` holds `ud-english-ewt/en_ewt-ud-{train,dev,test}.conllu` (see apps/pos-tagger).
 */
import '@rnn/cpu-native/register';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BucketBatchSampler, type ConlluSentence, padBatch } from '@rnn/data';
import { datasetFiles, readConlluFile } from '@rnn/data/node';
import { Adam, crossEntropy, saveSafetensors } from '@rnn/nn';
import { manualSeed, noGrad, rand, type Tensor, tensor, tidy, where } from '@rnn/tensor';
import { backwardStep } from '@rnn/train';
import {
  configToMetadata,
  encodeSentence,
  Tagger,
  type TaggerConfig,
  type TaggerLookup,
  taggerLookup,
} from '../demos/lib/tagger';
import { toFloat16Safetensors } from './float16';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '12' },
    // (run through scripts/run-ts.mjs, which sets argv[1] to this file)
    out: {
      type: 'string',
      default: join(dirname(process.argv[1]), '../public/models/pos-tagger.safetensors'),
    },
    words: { type: 'string', default: '2000' },
    suffixes: { type: 'string', default: '400' },
    seed: { type: 'string', default: '0' },
  },
});
if (!flags.data) throw new Error('--data DIR is required (the folder holding ud-english-ewt/)');
const files = datasetFiles(flags.data);
const [train, dev, test] = await Promise.all([
  readConlluFile(files.udEwt.train),
  readConlluFile(files.udEwt.dev),
  readConlluFile(files.udEwt.test),
]);
manualSeed(Number(flags.seed));

/** The `n` most frequent keys of `counts` seen at least `min` times, ties by code point. */
function mostFrequent(counts: Map<string, number>, n: number, min: number): string[] {
  return [...counts]
    .filter(([, c]) => c >= min)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);
}
const wordCounts = new Map<string, number>();
const suffixCounts = new Map<string, number>();
const tagSet = new Set<string>();
for (const s of train.sentences) {
  for (const [i, form] of s.forms.entries()) {
    const lower = form.toLowerCase();
    wordCounts.set(lower, (wordCounts.get(lower) ?? 0) + 1);
    suffixCounts.set(lower.slice(-3), (suffixCounts.get(lower.slice(-3)) ?? 0) + 1);
    tagSet.add(s.upos[i]);
  }
}
const config: TaggerConfig = {
  words: mostFrequent(wordCounts, Number(flags.words), 2),
  suffixes: mostFrequent(suffixCounts, Number(flags.suffixes), 5),
  tags: [...tagSet].sort(),
  wordDim: 32,
  suffixDim: 16,
  shapeDim: 8,
  hidden: 48,
};
const lookup = taggerLookup(config);
const tagId = new Map(config.tags.map((t, i) => [t, i]));

interface Batch {
  words: Tensor;
  suffixes: Tensor;
  shapes: Tensor;
  targets: Tensor;
  lengths: number[];
  tokens: number;
}

function makeBatch(sentences: readonly ConlluSentence[], lookup: TaggerLookup): Batch {
  const enc = sentences.map((s) => encodeSentence(lookup, s.forms));
  const pad = (key: 'wordIds' | 'suffixIds' | 'shapeIds') => padBatch(enc.map((e) => e[key])).ids;
  const targets = padBatch(
    sentences.map((s) => s.upos.map((t) => tagId.get(t)!)),
    { padId: -100 },
  ).ids;
  const lengths = sentences.map((s) => s.forms.length);
  return {
    words: pad('wordIds'),
    suffixes: pad('suffixIds'),
    shapes: pad('shapeIds'),
    targets,
    lengths,
    tokens: lengths.reduce((a, b) => a + b, 0),
  };
}

const model = new Tagger(config);
const optimizer = new Adam(model.parameters(), { lr: 2e-3, betas: [0.9, 0.9] });

function loss(b: Batch, wordDropout: number): Tensor {
  // Word dropout: some known words become <unk> (id 1), so the model learns to use suffix and shape.
  const words =
    wordDropout > 0
      ? where(rand(b.words.shape).lt(wordDropout), tensor(1, { dtype: 'int32' }), b.words)
      : b.words;
  const scores = model.forward(words, b.suffixes, b.shapes, b.lengths);
  return crossEntropy(scores.reshape([-1, config.tags.length]), b.targets.reshape([-1]), {
    ignoreIndex: -100,
  });
}

async function accuracy(sentences: readonly ConlluSentence[]): Promise<number> {
  model.eval();
  let correct = 0;
  let total = 0;
  for (let i = 0; i < sentences.length; i += 256) {
    const chunk = sentences.slice(i, i + 256);
    const b = makeBatch(chunk, lookup);
    const predicted = noGrad(() =>
      tidy(() => model.forward(b.words, b.suffixes, b.shapes, b.lengths).argmax(-1)),
    );
    const p = await predicted.data();
    const t = await b.targets.data();
    for (let k = 0; k < t.length; k++) {
      if (t[k] === -100) continue;
      total++;
      if (p[k] === t[k]) correct++;
    }
  }
  model.train();
  return correct / total;
}

const sampler = new BucketBatchSampler(
  train.sentences.map((s) => s.forms.length),
  { batchSize: 32, generator: Number(flags.seed) },
);
let best = { dev: 0, epoch: 0, state: new Map<string, Float32Array>() };
const started = performance.now();
for (let epoch = 1; epoch <= Number(flags.epochs); epoch++) {
  let sum = 0;
  let n = 0;
  for (const indices of sampler) {
    const b = makeBatch(
      indices.map((i) => train.sentences[i]),
      lookup,
    );
    const out = await backwardStep(loss(b, 0.1), optimizer, { maxGradNorm: 5 });
    sum += out.loss * b.tokens;
    n += b.tokens;
  }
  const devAccuracy = await accuracy(dev.sentences);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `epoch ${epoch}: train loss ${(sum / n).toFixed(4)}, dev accuracy ${(100 * devAccuracy).toFixed(2)}% (${seconds} s)`,
  );
  if (devAccuracy > best.dev) {
    const state = new Map<string, Float32Array>();
    for (const [name, t] of Object.entries(model.stateDict()))
      state.set(name, Float32Array.from(t.dataSync()));
    best = { dev: devAccuracy, epoch, state };
  }
}
const sd = model.stateDict();
for (const [name, data] of best.state) sd[name].assign(tensor(data, { shape: sd[name].shape }));
const testAccuracy = await accuracy(test.sentences);
console.log(
  `best epoch ${best.epoch}: dev ${(100 * best.dev).toFixed(2)}%, test ${(100 * testAccuracy).toFixed(2)}%`,
);

const metadata = {
  ...configToMetadata(config),
  scores: JSON.stringify({
    dev: best.dev,
    test: testAccuracy,
    epoch: best.epoch,
    data: 'UD English EWT r2.16, UPOS',
  }),
};
const bytes = toFloat16Safetensors(saveSafetensors(model.stateDict(), metadata));
writeFileSync(flags.out!, bytes);
console.log(
  `wrote ${flags.out} (${(bytes.length / 1024).toFixed(0)} KiB, ${model.numParameters()} parameters)`,
);
