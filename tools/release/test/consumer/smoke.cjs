// CommonJS, in Node, on the installed tarballs: the same packages through `require`.
const { status } = require('@rnn/cpu-native/register');
const { Vocab, batchify } = require('@rnn/data');
const { datasetFiles, samplesDir } = require('@rnn/data/node');
const { readFileSync } = require('node:fs');
const { Linear, SGD, mseLoss } = require('@rnn/nn');
const { Bernoulli } = require('@rnn/rl');
const { getCpuAccelerator, manualSeed, randn, tensor } = require('@rnn/tensor');
const { RunningMean } = require('@rnn/train');

const check = (ok, what) => {
  if (!ok) throw new Error(`smoke (CJS): ${what}`);
};
if (status.active) check(getCpuAccelerator() && getCpuAccelerator().name === status.reason, 'native kernels');
manualSeed(1);
const text = readFileSync(datasetFiles(samplesDir()).ptb.train, 'utf8');
const tokens = text.split(/\s+/).filter(Boolean);
const vocab = Vocab.build([tokens]);
const ids = batchify(vocab.encode(tokens), 4);
check(ids.shape[1] === 4 && ids.dtype === 'int32', 'batchify');

const layer = new Linear(3, 1);
const opt = new SGD(layer.parameters(), { lr: 0.1 });
const x = randn([32, 3]);
const y = x.matmul(tensor([[1], [2], [-1]]));
const mean = new RunningMean();
let first = 0;
let last = 0;
for (let step = 0; step < 100; step++) {
  const loss = mseLoss(layer.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  last = loss.itemSync();
  if (step === 0) first = last;
  mean.add(last);
}
check(last < first / 10, `the loss must fall (${first} -> ${last})`);
check(new Bernoulli({ probs: tensor([0.5]) }).sample().shape.length === 1, 'Bernoulli');
console.log(`ok ${first.toFixed(3)} -> ${last.toFixed(3)} (${status.reason})`);
