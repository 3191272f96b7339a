import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear, SGD } from '@rnn/nn';
import {
  BackendError,
  createCpuBackend,
  getBackend,
  getCpuAccelerator,
  registerBackend,
  setBackend,
  setCpuAccelerator,
  type Tensor,
  tensor,
} from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backwardStep } from '../src';
import { gitCommit, interruptSignal, machineInfo, setupBackend, writeRunSummary } from '../src/node';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-misc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('setupBackend', () => {
  afterEach(() => setCpuAccelerator(null));
  const standInManifest = { name: '@rnn/backend-cuda', exports: { './register': './register.js' } };

  it('cpu: plugs in @rnn/cpu-native when it loads, and says which kernels run', async () => {
    const setup = await setupBackend('cpu');
    expect(setup.name).toBe('cpu');
    expect(getBackend().name).toBe('cpu');
    if (getCpuAccelerator())
      expect(setup.description).toMatch(/^cpu \(cpu-native (avx2|avx512), \d+ threads?\)$/);
    else expect(setup.description).toMatch(/^cpu \(JavaScript kernels: .+\)$/);
    if (process.env.RNN_REQUIRE_NATIVE === '1') expect(getCpuAccelerator()).not.toBeNull();
    setCpuAccelerator(null);
    expect(await setupBackend('cpu', { native: false })).toEqual({
      name: 'cpu',
      description: 'cpu (JavaScript kernels)',
    });
    expect(getCpuAccelerator()).toBeNull();
  });

  it('a backend that is not installed is a BackendError that says how to get it', async () => {
    // Looked for from an app folder that lacks it: without `from`, the fallback searches beside
    // process.argv[1], which under vitest is the runner inside pnpm's store, where every workspace
    // package is hoisted (the real @rnn/backend-cuda would load and register itself).
    const e = await setupBackend('cuda', { from: dir }).catch((x) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect(e.message).toMatch(
      /^--backend cuda: @rnn\/backend-cuda is not installed \(npm install @rnn\/backend-cuda\)/,
    );
    await expect(setupBackend('tpu' as 'cpu')).rejects.toThrow(
      'unknown backend "tpu": expected one of cpu, webgpu, cuda',
    );
  });

  it('finds a backend package the app has installed even where this package cannot see it', async () => {
    // A stand-in @rnn/backend-cuda in an app folder: its register entry is found and imported (which
    // is what registers a backend); this one registers nothing, which is an error that says so.
    const pkg = join(dir, 'app', 'node_modules', '@rnn', 'backend-cuda');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(standInManifest));
    writeFileSync(join(pkg, 'register.js'), 'globalThis.__fakeCudaImported = true;');
    const e = await setupBackend('cuda', { from: join(dir, 'app') }).catch((x) => x);
    expect((globalThis as { __fakeCudaImported?: boolean }).__fakeCudaImported).toBe(true);
    expect(e).toBeInstanceOf(BackendError);
    expect(e.message).toBe(
      '--backend cuda: importing @rnn/backend-cuda/register registered no "cuda" backend',
    );
  });

  it('importing a backend package is all it takes: it registers itself', async () => {
    // A stand-in @rnn/backend-cuda whose register entry registers a backend named "cuda", as every
    // @rnn backend package's does.
    const pkg = join(dir, 'app2', 'node_modules', '@rnn', 'backend-cuda');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(standInManifest));
    writeFileSync(join(pkg, 'register.js'), 'globalThis.__registerStandIn("cuda");');
    (globalThis as { __registerStandIn?: (n: string) => void }).__registerStandIn = (n) =>
      registerBackend(n, () => ({ ...createCpuBackend(), name: n }), { priority: 20 });
    try {
      expect(await setupBackend('cuda', { from: join(dir, 'app2') })).toEqual({
        name: 'cuda',
        description: 'cuda (cuda)',
      });
      expect(getBackend().name).toBe('cuda');
    } finally {
      await setBackend('cpu');
    }
  });
});

describe('run summaries', () => {
  it('record the command, commit, machine, wall time, config and final metrics', async () => {
    const path = join(dir, 'results', 'summary.json');
    const written = await writeRunSummary(path, {
      app: 'demo',
      command: ['demo', 'train', '--epochs', '3'],
      config: { epochs: 3 },
      backend: 'cpu (JavaScript kernels)',
      wallTime: 12.3456,
      metrics: { test: { accuracy: 0.9 } },
    });
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json).toEqual(written);
    expect(json).toMatchObject({
      app: 'demo',
      command: ['demo', 'train', '--epochs', '3'],
      wallTime: 12.35,
      metrics: { test: { accuracy: 0.9 } },
      machine: { cpus: os.cpus().length, node: process.version },
    });
    expect(json.machine.cpuModel.length).toBeGreaterThan(0);
    expect(json.git.commit).toMatch(/^[0-9a-f]{40}$/); // the tests run inside the repository
    expect(gitCommit(tmpdir())).toBeNull();
    expect(machineInfo().memoryGiB).toBeGreaterThan(0);
  });
});

describe('backwardStep', () => {
  it('zeroes, backpropagates, clips the gradient norm, steps, and reads the loss', async () => {
    const model = new Linear(2, 1);
    const opt = new SGD(model.parameters(), { lr: 0 }); // lr 0: we only look at the gradients
    const x = tensor([[100, 100]], { dtype: 'float32' });
    const first = await backwardStep(model.forward(x).sum().mul(10), opt, { maxGradNorm: 1 });
    expect(first.gradNorm).toBeGreaterThan(1000);
    const norm = Math.hypot(
      ...(await model.weight.grad!.data()),
      ...(await (model.bias as Tensor).grad!.data()),
    );
    expect(norm).toBeCloseTo(1, 4);
    const second = await backwardStep(model.forward(x).sum(), opt, { clipValue: 0.5 });
    expect(second.gradNorm).toBeUndefined();
    expect(Array.from(await model.weight.grad!.data())).toEqual([0.5, 0.5]); // not accumulated: zeroed first
    expect(second.loss).toBeCloseTo(await model.forward(x).sum().item(), 5);
  });
});

describe('interruptSignal', () => {
  it('aborts on the signal with its name, and dispose removes the handlers', () => {
    const before = process.listenerCount('SIGINT');
    const handle = interruptSignal({ stream: null });
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT', 'SIGINT');
    expect(handle.signal.aborted).toBe(true);
    expect(process.exitCode).toBeUndefined(); // the first signal only asks to stop
    expect(handle.signal.reason).toBe('SIGINT');
    handle.dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
