import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Generator,
  getRngState,
  keep,
  manualSeed,
  noGrad,
  randint,
  randn,
  type Tensor,
  tidy,
  ValueError,
  zeros,
} from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Adam,
  crossEntropy,
  DataFormatError,
  ReduceLROnPlateau,
  restoreCheckpoint,
  SGD,
  StepLR,
  saveSafetensors,
  serializeCheckpoint,
} from '../src/index';
import { loadCheckpoint, saveCheckpoint } from '../src/node/index';

// Crash simulation: node:fs/promises with switches that fail a write halfway or the rename.
const crash = vi.hoisted(() => ({ beforeRename: false, midWrite: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      if (crash.midWrite && args[1] === 'wx') {
        handle.writeFile = async (data: unknown) => {
          const bytes = data as Uint8Array;
          await handle.write(bytes.subarray(0, bytes.length >> 1));
          throw new Error('simulated crash in the middle of writing');
        };
      }
      return handle;
    },
    rename: async (...args: Parameters<typeof fs.rename>) => {
      if (crash.beforeRename) throw new Error('simulated crash between writing and renaming');
      return fs.rename(...args);
    },
  };
});

/** A small model with dropout (so the random generator matters), structurally a StateDictModule. */
class TinyModel {
  w: Tensor;
  b: Tensor;
  constructor() {
    this.w = keep(randn([4, 3], { dtype: 'float64' }).mul(0.5)).requiresGrad_();
    this.b = keep(zeros([3], { dtype: 'float64' })).requiresGrad_();
  }
  parameters(): Tensor[] {
    return [this.w, this.b];
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.w).add(this.b).dropout(0.3);
  }
  stateDict(): Record<string, Tensor> {
    return { weight: this.w, bias: this.b };
  }
  loadStateDict(sd: Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    if (options.strict !== false && Object.keys(sd).sort().join() !== 'bias,weight') {
      throw new ValueError(`unexpected keys ${Object.keys(sd)}`);
    }
    noGrad(() => {
      this.w.assign(sd.weight.clone());
      this.b.assign(sd.bias.clone());
    });
  }
}

function setup(seed: number) {
  manualSeed(seed);
  const model = new TinyModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.05, amsgrad: true });
  const scheduler = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  const train = (steps: number) => {
    for (let i = 0; i < steps; i++) {
      tidy(() => {
        // Data and dropout both draw from the default generator.
        const x = randn([8, 4], { dtype: 'float64' });
        const y = randint(0, 3, [8]);
        optimizer.zeroGrad();
        crossEntropy(model.forward(x), y).backward();
        optimizer.step();
        scheduler.step();
      });
    }
  };
  return { model, optimizer, scheduler, train };
}

const values = (m: TinyModel) => [...m.w.dataSync(), ...m.b.dataSync()];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-ckpt-'));
  crash.beforeRename = false;
  crash.midWrite = false;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints', () => {
  it('resume is exact: N steps, save, M steps == load, M steps', async () => {
    const path = join(dir, 'run.ckpt');
    const a = setup(0);
    a.train(5);
    await saveCheckpoint(path, { ...a, step: 5, extra: { best: Number.POSITIVE_INFINITY, note: 'x' } });
    a.train(4);
    const rngAfterA = getRngState();

    const b = setup(12345); // different initial weights and generator state
    expect(values(b.model)).not.toEqual(values(a.model));
    const info = await loadCheckpoint(path, b);
    expect(info.step).toBe(5);
    expect(info.extra).toEqual({ best: Number.POSITIVE_INFINITY, note: 'x' });
    b.train(4);

    expect(values(b.model)).toEqual(values(a.model));
    expect(b.optimizer.paramGroups[0].lr).toBe(a.optimizer.paramGroups[0].lr);
    expect(b.scheduler.lastEpoch).toBe(a.scheduler.lastEpoch);
    expect(getRngState()).toEqual(rngAfterA);
    a.optimizer.dispose();
    b.optimizer.dispose();
  });

  it('restores ReduceLROnPlateau (with an infinite best), named generators, and model weights readable as plain safetensors', async () => {
    manualSeed(1);
    const model = new TinyModel();
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const plateau = new ReduceLROnPlateau(optimizer, { patience: 0 });
    const gen = new Generator(7);
    randn([5], { generator: gen });
    const bytes = await serializeCheckpoint({
      model,
      optimizer,
      scheduler: plateau,
      generators: { data: gen },
    });
    plateau.step(1);
    plateau.step(2);
    const gen2 = new Generator(99);
    const plateau2 = new ReduceLROnPlateau(new SGD(new TinyModel().parameters(), { lr: 0.1 }), {
      patience: 0,
    });
    plateau2.step(0.5);
    restoreCheckpoint(bytes, { model: new TinyModel(), scheduler: plateau2, generators: { data: gen2 } });
    expect(plateau2.best).toBe(Number.POSITIVE_INFINITY);
    expect(plateau2.lastEpoch).toBe(0);
    expect(gen2.getState()).toEqual(gen.getState());
    // The model part is ordinary safetensors with a "model." prefix.
    const { loadSafetensors } = await import('../src/index');
    const tensors = loadSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['model.bias', 'model.weight']);
  });

  it('encodes JSON with non-finite numbers the way checkpoint metadata stores it', async () => {
    const { decodeJson, encodeJson } = await import('../src/index');
    const value = { best: Number.NEGATIVE_INFINITY, losses: [1.5, Number.NaN, Number.POSITIVE_INFINITY] };
    const text = encodeJson(value);
    expect(text).toBe(
      '{"best":{"$float":"-Infinity"},"losses":[1.5,{"$float":"NaN"},{"$float":"Infinity"}]}',
    );
    expect(decodeJson(text)).toEqual(value);
  });

  it('says clearly what is missing or wrong', async () => {
    manualSeed(2);
    const model = new TinyModel();
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const bytes = await serializeCheckpoint({ model, step: 3 });
    expect(() => restoreCheckpoint(bytes, { model, optimizer })).toThrow(/holds no optimizer state/);
    expect(() => restoreCheckpoint(saveSafetensors(model.stateDict()), { model })).toThrow(DataFormatError);
    expect(() => restoreCheckpoint(bytes.subarray(0, bytes.length - 3), { model })).toThrow(/truncated/);
    expect(restoreCheckpoint(bytes, { model }).step).toBe(3);
  });

  for (const where of ['midWrite', 'beforeRename'] as const) {
    it(`a crash ${where === 'midWrite' ? 'in the middle of writing' : 'before the rename'} leaves the previous checkpoint loadable`, async () => {
      const path = join(dir, 'last.ckpt');
      const a = setup(3);
      a.train(2);
      await saveCheckpoint(path, { ...a, step: 2 });
      const good = readFileSync(path);
      a.train(3);
      crash[where] = true;
      await expect(saveCheckpoint(path, { ...a, step: 5 })).rejects.toThrow(/simulated crash/);
      crash[where] = false;
      expect(readFileSync(path).equals(good)).toBe(true);
      expect(readdirSync(dir)).toEqual(['last.ckpt']); // the temporary file was removed
      const b = setup(4);
      expect((await loadCheckpoint(path, b)).step).toBe(2);
      a.optimizer.dispose();
      b.optimizer.dispose();
    });
  }

  it('a stale temporary file from a killed process does not disturb saving or loading', async () => {
    const path = join(dir, 'last.ckpt');
    const a = setup(5);
    await saveCheckpoint(path, { ...a, step: 1 });
    writeFileSync(join(dir, '.last.ckpt.123.abc.tmp'), new Uint8Array(100));
    await saveCheckpoint(path, { ...a, step: 2 });
    expect((await loadCheckpoint(path, setup(6))).step).toBe(2);
  });

  // A real kill: a child process saves checkpoints of a 16 MB model in a loop and gets SIGKILLed at
  // random moments; whatever moment it died at, the checkpoint on disk loads, at the last completed
  // step or later.
  const viteNode = (() => {
    try {
      const fromVitest = createRequire(createRequire(import.meta.url).resolve('vitest/package.json'));
      return join(dirname(fromVitest.resolve('vite-node/package.json')), 'vite-node.mjs');
    } catch {
      return null;
    }
  })();
  it.skipIf(!viteNode)(
    'a process killed (SIGKILL) while saving never corrupts the last checkpoint',
    async () => {
      const here = dirname(fileURLToPath(import.meta.url));
      const path = join(dir, 'killed.ckpt');
      const model = { stateDict: () => ({}), loadStateDict: () => undefined };
      for (let round = 0; round < 3; round++) {
        const child = spawn(
          process.execPath,
          [viteNode!, '--config', join(here, '../vitest.config.ts'), join(here, 'checkpoint-writer.ts')],
          {
            env: { ...process.env, CKPT_PATH: path },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let completed = 0;
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            completed = Math.max(completed, ...d.toString().trim().split('\n').map(Number));
            if (completed >= 2 + round) {
              setTimeout(() => {
                child.kill('SIGKILL');
                resolve();
              }, Math.random() * 40);
            }
          });
          child.on('exit', (code) =>
            code !== null && code !== 0 ? reject(new Error(`writer failed: ${stderr}`)) : undefined,
          );
        });
        await exited;
        expect(existsSync(path)).toBe(true);
        const info = await loadCheckpoint(
          path,
          { model: model as never },
          { restoreRng: false, strict: false },
        );
        expect(info.step).toBeGreaterThanOrEqual(completed);
        expect((info.extra as { marker: number }).marker).toBe(info.step);
      }
    },
    60_000,
  );
});
