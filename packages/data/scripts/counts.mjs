// Counts the full corpora and compares them with the published numbers (exit 1 on any mismatch).
//   pnpm --filter @rnn/data counts -- --data /path/to/data
// Needs the built packages (`pnpm build`); the script itself builds @rnn/data first.
import { charTokenizer, Vocab } from '../dist/index.js';
import {
  datasetFiles,
  readClassificationFile,
  readClassListFile,
  readConlluFile,
  readLmCorpusFile,
  readNpzFile,
  readSnliFile,
  readVocabFile,
} from '../dist/node.js';
import { dataDirFromArgs } from './args.mjs';

const dir = dataDirFromArgs();
process.on('uncaughtException', (e) => {
  console.error(`counts failed: ${e.message}`);
  process.exit(1);
});
const files = datasetFiles(dir);
const rows = [];
let failed = 0;
const check = (name, got, expected) => {
  const ok = got === expected;
  if (!ok) failed++;
  rows.push([name, got.toLocaleString('en-US'), expected.toLocaleString('en-US'), ok ? 'ok' : 'MISMATCH']);
};
const notes = [];
const note = (name, got) => notes.push(`${name}: ${got}`);
const skippedTotal = [];
const t0 = performance.now();

// Penn Treebank: tokens with <eos> per line; vocabulary from train; valid/test must be in it.
const ptbTrain = await readLmCorpusFile(files.ptb.train);
const ptbVocab = Vocab.build([ptbTrain.tokens]);
check('PTB train tokens (with <eos>)', ptbTrain.tokens.length, 929_589);
for (const [split, expected] of [
  ['valid', 73_760],
  ['test', 82_430],
]) {
  const c = await readLmCorpusFile(files.ptb[split], { vocab: ptbVocab }); // throws on a token outside the vocabulary
  check(`PTB ${split} tokens (with <eos>)`, c.ids.length, expected);
  skippedTotal.push(c.report.skipped);
}
check('PTB vocabulary (train)', ptbVocab.size, 10_000);

// THUCNews: text<TAB>label lines, 10 classes.
const classes = await readClassListFile(files.thucnews.classes);
check('THUCNews classes (class.txt)', classes.length, 10);
for (const [split, expected] of [
  ['train', 180_000],
  ['dev', 10_000],
  ['test', 10_000],
]) {
  const d = await readClassificationFile(files.thucnews[split], { classes, tokenizer: charTokenizer() });
  check(`THUCNews ${split} lines`, d.examples.length, expected);
  check(`THUCNews ${split} classes present`, new Set(d.examples.map((e) => e.label)).size, 10);
  skippedTotal.push(d.report.skipped);
}
const vocab = await readVocabFile(files.thucnews.vocab);
const emb = (await readNpzFile(files.thucnews.embeddings)).get('embeddings');
note(
  'THUCNews embeddings (npz)',
  `${emb.dtype} [${emb.shape.join(', ')}] for a ${vocab.size}-token vocab.json`,
);

// UD English EWT: sentences of syntactic words, 17 UPOS tags.
for (const [split, expected] of [
  ['train', 12_544],
  ['dev', 2_001],
  ['test', 2_077],
]) {
  const d = await readConlluFile(files.udEwt[split]);
  check(`UD EWT ${split} sentences`, d.sentences.length, expected);
  if (split === 'train')
    check('UD EWT train UPOS tags', new Set(d.sentences.flatMap((s) => s.upos)).size, 17);
  skippedTotal.push(d.report.skipped);
}

// SNLI: labelled pairs (gold label "-" dropped), transitions checked.
for (const [split, expected] of [
  ['dev', 9_842],
  ['test', 9_824],
]) {
  const d = await readSnliFile(files.snli[split]);
  check(`SNLI ${split} labelled pairs`, d.pairs.length, expected);
  note(`SNLI ${split} pairs without gold label (dropped)`, d.noGoldLabel);
  skippedTotal.push(d.report.skipped);
}
check(
  'records skipped as invalid (all files)',
  skippedTotal.reduce((a, b) => a + b, 0),
  0,
);

const w = [0, 1, 2].map((k) => Math.max(...rows.map((r) => r[k].length)));
console.log(`@rnn/data counts on ${dir}`);
console.log(`${'count'.padEnd(w[0])}  ${'got'.padStart(w[1])}  ${'expected'.padStart(w[2])}`);
for (const [a, b, c, d] of rows)
  console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c.padStart(w[2])}  ${d}`);
for (const n of notes) console.log(`note: ${n}`);
console.log(
  `${failed === 0 ? 'all counts match' : `${failed} MISMATCH(ES)`} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
process.exit(failed === 0 ? 0 : 1);
