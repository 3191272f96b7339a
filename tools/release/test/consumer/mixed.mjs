// One process, an ESM import and a CommonJS require of the installed packages: two copies of
// @rnn/tensor's code, one engine (backends, native kernels, random generator, grad mode, scopes).
import { createRequire } from 'node:module';
import * as esm from '@rnn/tensor';

const require = createRequire(import.meta.url);
const cjs = require('@rnn/tensor');
const nn = require('@rnn/nn');
const { status } = require('@rnn/cpu-native/register');

const check = (ok, what) => {
  if (!ok) throw new Error(`mixed ESM/CJS: ${what}`);
};
check(esm.Tensor !== cjs.Tensor, 'expected two copies of the package (an ESM and a CJS build)');
check(esm.getBackend() === cjs.getBackend(), 'one CPU backend instance');
check(esm.getCpuAccelerator() === cjs.getCpuAccelerator(), 'one native-kernel hook');
if (status.active)
  check(esm.getCpuAccelerator()?.name === status.reason, 'kernels plugged in through CJS, seen by ESM');
esm.manualSeed(3);
const a = cjs.randn([4]).arraySync();
esm.manualSeed(3);
check(JSON.stringify(a) === JSON.stringify(esm.randn([4]).arraySync()), 'one random generator');

// A model of the CJS copy trained on tensors of the ESM copy.
const model = new nn.Sequential(new nn.Linear(3, 16), new nn.Tanh(), new nn.Linear(16, 1));
const opt = new nn.Adam(model.parameters(), { lr: 0.05 });
const x = esm.randn([64, 3]);
const y = x.matmul(esm.tensor([[1], [-2], [0.5]])).tanh();
let first = 0;
let last = 0;
for (let step = 0; step < 150; step++) {
  const loss = nn.mseLoss(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  last = loss.itemSync();
  if (step === 0) first = last;
}
check(last < first / 10, `the loss must fall (${first} -> ${last})`);
const w = cjs.tensor([1, 2], { requiresGrad: true });
check(esm.noGrad(() => w.mul(2).requiresGrad) === false, 'one grad mode');
let inner;
cjs.tidy(() => {
  inner = esm.tensor([1]).add(1);
});
check(inner.isDisposed, 'one scope stack');

// Backends registered through either copy: the WebGPU register entry, loaded both ways, registers once.
await import('@rnn/backend-webgpu/register');
const registered = esm.listBackends();
require('@rnn/backend-webgpu/register');
check(JSON.stringify(cjs.listBackends()) === JSON.stringify(registered), 'one backend registry');
check(registered[0] === 'webgpu' || registered[0] === 'cuda', `registered: ${registered}`);
console.log(`ok ${first.toFixed(4)} -> ${last.toFixed(4)} (${registered.join(', ')})`);
