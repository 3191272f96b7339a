// Times loading all THUCNews training lines into padded batches of tensors:
// stream + parse + char-tokenize + encode, then one shuffled epoch of padded int32 batches.
//   pnpm --filter @rnn/data timing -- --data /path/to/data
import { ArrayDataset, charTokenizer, DataLoader, padCollate, Vocab } from '../dist/index.js';
import { datasetFiles, readClassificationFile, readClassListFile } from '../dist/node.js';
import { dataDirFromArgs } from './args.mjs';

const files = datasetFiles(dataDirFromArgs());
const batchSize = 128;
const padSize = 32;
const ms = (t) => `${(performance.now() - t).toFixed(0)} ms`;

const t0 = performance.now();
const classes = await readClassListFile(files.thucnews.classes);
// The shipped character vocabulary (vocab.json: index = id; <UNK> and <PAD> last, as upstream).
const tokens = JSON.parse((await import('node:fs')).readFileSync(files.thucnews.vocab, 'utf8'));
const vocab = Vocab.fromTokens(tokens, { unkToken: '<UNK>', specials: ['<UNK>', '<PAD>'] });
const padId = vocab.id('<PAD>');
const t1 = performance.now();
const data = await readClassificationFile(files.thucnews.train, {
  classes,
  tokenizer: charTokenizer(),
  vocab,
  keepTokens: false,
});
const read = ms(t1);
const t2 = performance.now();
const loader = new DataLoader(new ArrayDataset(data.examples), {
  batchSize,
  shuffle: true,
  generator: 1,
  collate: padCollate({ padSize, padId, batchFirst: true }),
});
let batches = 0;
let rows = 0;
for (const batch of loader) {
  batches++;
  rows += batch.ids.shape[0];
  batch.ids.dispose();
  batch.mask.dispose();
  batch.lengths.dispose();
  batch.labels.dispose();
}
const batching = ms(t2);
const total = (performance.now() - t0) / 1000;
console.log(
  `THUCNews train: ${data.examples.length.toLocaleString('en-US')} lines, ${data.report.skipped} skipped`,
);
console.log(`  stream + parse + char-tokenize + encode: ${read}`);
console.log(
  `  one shuffled epoch of ${batches} padded batches [${batchSize}, ${padSize}] (${rows} rows): ${batching}`,
);
console.log(`  total: ${total.toFixed(2)} s (node ${process.version})`);
