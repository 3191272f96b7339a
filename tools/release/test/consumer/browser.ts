// In headless Chromium, from one esbuild bundle of the installed tarballs: the CPU backend trains a
// small model, the stubs of the Node-only accelerator do nothing, and the WebGPU backend (registered
// by its register entry) runs on navigator.gpu (SwiftShader without a GPU).
import '@rnn/backend-webgpu/register';
import { cpuNativeStatus } from '@rnn/cpu-native';
import { status } from '@rnn/cpu-native/register';
import { Vocab } from '@rnn/data';
import { Adam, Linear, mseLoss, Sequential, Tanh } from '@rnn/nn';
import { Categorical } from '@rnn/rl';
import { getBackend, listBackends, manualSeed, randn, setBackend, tensor } from '@rnn/tensor';
import { learningCurvesSpec } from '@rnn/train';

declare global {
  interface Window {
    __smoke?: Record<string, unknown>;
  }
}

async function smoke(): Promise<Record<string, unknown>> {
  manualSeed(0);
  const model = new Sequential(new Linear(3, 16), new Tanh(), new Linear(16, 1));
  const opt = new Adam(model.parameters(), { lr: 0.05 });
  const x = randn([64, 3]);
  const y = x.matmul(tensor([[1], [-2], [0.5]])).tanh();
  const losses: number[] = [];
  for (let step = 0; step < 100; step++) {
    const loss = mseLoss(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.item());
  }
  const vocab = Vocab.build([['a', 'b', 'a']]);
  const action = new Categorical({ logits: tensor([[0, 10, 0]]) }).sample();
  const records = losses.map((loss, i) => ({
    split: 'train',
    step: i + 1,
    epoch: 1,
    time: new Date(0).toISOString(),
    elapsed: i,
    metrics: { loss },
  }));
  const spec = learningCurvesSpec([{ name: 'browser', records }]);
  await setBackend('webgpu');
  const product = await tensor([
    [1, 2],
    [3, 4],
  ])
    .matmul(tensor([[1], [1]]))
    .data();
  return {
    ok: true,
    first: losses[0],
    last: losses[losses.length - 1],
    vocab: vocab.size,
    action: action.arraySync(),
    spec: typeof spec === 'object',
    native: { main: cpuNativeStatus(), register: status },
    backends: listBackends(),
    backend: getBackend().name,
    product: Array.from(product),
  };
}

smoke().then(
  (r) => {
    window.__smoke = r;
  },
  (e: Error) => {
    window.__smoke = { ok: false, error: String(e.stack ?? e) };
  },
);
