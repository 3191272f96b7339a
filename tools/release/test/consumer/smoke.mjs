// ESM, in Node, on the installed tarballs: a model trained with the native CPU kernels, data from the
// shipped samples, a policy-gradient step, the training kit's metrics, and the file helpers.
import { join } from 'node:path';
import { cpuNativeStatus } from '@rnn/cpu-native';
import { status } from '@rnn/cpu-native/register';
import { charTokenizer, padBatch, Vocab } from '@rnn/data';
import { datasetFiles, readClassificationFile, readClassListFile, samplesDir } from '@rnn/data/node';
import { Adam, crossEntropy, Embedding, Linear, LSTM, Module, packPaddedSequence } from '@rnn/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@rnn/nn/node';
import { Categorical, reinforceLoss } from '@rnn/rl';
import { getCpuAccelerator, manualSeed, randn, tensor } from '@rnn/tensor';
import { accuracy } from '@rnn/train';

const check = (ok, what) => {
  if (!ok) throw new Error(`smoke (ESM): ${what}`);
};
check(cpuNativeStatus().active === status.active, 'one status for both entries');
if (status.active) check(getCpuAccelerator()?.name === status.reason, 'native kernels plugged in');

manualSeed(0);
const files = datasetFiles(samplesDir());
const classes = await readClassListFile(files.thucnews.classes);
const { examples } = await readClassificationFile(files.thucnews.train, {
  classes,
  tokenizer: charTokenizer(),
});
const vocab = Vocab.build(
  examples.map((e) => e.tokens),
  { specials: ['<pad>', '<unk>'] },
);
const batch = padBatch(
  examples.slice(0, 16).map((e) => vocab.encode(e.tokens)),
  { batchFirst: false },
);
const labels = tensor(
  examples.slice(0, 16).map((e) => e.label),
  { dtype: 'int32' },
);

class Classifier extends Module {
  embed = new Embedding(vocab.size, 16, { paddingIdx: 0 });
  lstm = new LSTM(16, 32);
  out = new Linear(32, classes.length);
  forward(ids, lengths) {
    const [, [h]] = this.lstm.forward(packPaddedSequence(this.embed.forward(ids), lengths));
    return this.out.forward(h.select(0, 0));
  }
}
const model = new Classifier();
const opt = new Adam(model.parameters(), { lr: 0.02 });
let first = 0;
let last = 0;
for (let step = 0; step < 30; step++) {
  const loss = crossEntropy(model.forward(batch.ids, batch.lengthsArray), labels);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  last = loss.itemSync();
  if (step === 0) first = last;
}
check(last < first / 2, `the loss must fall (${first} -> ${last})`);
const predictions = model.forward(batch.ids, batch.lengthsArray).argmax(1).arraySync();
check(accuracy(predictions, labels.arraySync()) > 0.5, 'the model must fit its batch');

const dist = new Categorical({ logits: randn([4, 3]).requiresGrad_() });
const { loss } = reinforceLoss(dist.logProb(dist.sample()), tensor([1, 0, 1, 0]));
loss.backward();

const file = join(process.cwd(), 'smoke-model.safetensors'); // the consumer project, removed afterwards
await saveSafetensorsFile(file, model.stateDict());
model.loadStateDict(await loadSafetensorsFile(file));
console.log(`ok ${first.toFixed(3)} -> ${last.toFixed(3)} (${status.reason})`);
