import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear, readSafetensorsHeader } from '@rnn/nn';
import { saveCheckpoint, saveSafetensorsFile } from '@rnn/nn/node';
import { DataFormatError } from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainingProgress } from '../src';
import {
  CheckpointError,
  CheckpointManager,
  loadModelFromCheckpoint,
  loadTrainingCheckpoint,
  readCheckpointMeta,
} from '../src/node';
import { TinyNet, tinyRun, weightBits } from './helpers/tiny';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-ckpt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const progress = (epoch: number, batch = 0): TrainingProgress => ({
  epoch,
  batch,
  step: epoch * 4 + batch,
  elapsed: 1.5,
  epochLoss: { sum: 0, weight: 0 },
  windowLoss: { sum: 0, weight: 0 },
  earlyStopping: { best: Number.POSITIVE_INFINITY, bestEpoch: 0, badEpochs: 0, improved: false },
  history: [{ split: 'valid', step: 4, epoch: 1, time: 't', elapsed: 1, metrics: { loss: Number.NaN } }],
});

describe('CheckpointManager', () => {
  it('writes epoch, best and last checkpoints, keeps the last K, and restores model, optimizer, loader and meta', async () => {
    const run = tinyRun(0);
    const m = new CheckpointManager(join(dir, 'ckpt'), { keepLast: 2, meta: { hidden: 16 } });
    const parts = {
      model: run.model,
      optimizer: run.optimizer,
      scheduler: run.scheduler,
      loader: run.loader,
    };
    expect(await m.save(parts, progress(1), { reason: 'epoch', best: true })).toBe(m.epochPath(1));
    await m.save(parts, progress(2), { reason: 'epoch', best: false });
    await m.save(parts, progress(3), { reason: 'epoch', best: false });
    expect(await m.save(parts, progress(3, 2), { reason: 'interrupt', best: false })).toBe(m.lastPath);
    expect(await m.epochFiles()).toEqual([m.epochPath(2), m.epochPath(3)]);
    expect((await readCheckpointMeta(m.bestPath)).progress.epoch).toBe(1);

    const expected = await weightBits(run.model);
    const other = tinyRun(5);
    const restored = await m.restoreLatest({
      model: other.model,
      optimizer: other.optimizer,
      scheduler: other.scheduler,
      loader: other.loader,
    });
    expect(restored?.path).toBe(m.lastPath);
    expect(restored?.progress).toMatchObject({ epoch: 3, batch: 2, step: 14 });
    // Non-finite numbers survive (an infinite best, a NaN loss).
    expect(restored?.progress.earlyStopping?.best).toBe(Number.POSITIVE_INFINITY);
    expect(restored?.progress.history[0].metrics.loss).toBeNaN();
    expect(await weightBits(other.model)).toBe(expected);
    expect((await readCheckpointMeta(m.lastPath)).meta).toEqual({ hidden: 16 });
    expect(await new CheckpointManager(join(dir, 'empty')).restoreLatest(parts)).toBeUndefined();
    // The weights are plain safetensors under PyTorch's names, behind a "model." prefix.
    const { tensors } = readSafetensorsHeader(new Uint8Array(readFileSync(m.lastPath)));
    expect(
      tensors
        .map((t) => t.name)
        .filter((k) => k.startsWith('model.'))
        .sort(),
    ).toEqual(['model.fc1.bias', 'model.fc1.weight', 'model.fc2.bias', 'model.fc2.weight']);
  });

  describe('a checkpoint that cannot be used is a clear error naming the file', () => {
    let good: string;
    beforeEach(async () => {
      const run = tinyRun(0);
      const m = new CheckpointManager(join(dir, 'ckpt'));
      good = await m.save({ model: run.model, optimizer: run.optimizer }, progress(1), {
        reason: 'epoch',
        best: false,
      });
    });

    const load = (path: string) => loadTrainingCheckpoint(path, { model: new TinyNet() });
    const cases: [string, (path: string) => string, RegExp][] = [
      [
        'truncated in the data',
        (p) => {
          const bytes = readFileSync(p);
          writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 100));
          return join(dir, 'cut.safetensors');
        },
        /cut\.safetensors: is not a valid checkpoint: .*(truncated|end of the buffer|expected)/,
      ],
      [
        'truncated in the header',
        (p) => {
          writeFileSync(join(dir, 'head.safetensors'), readFileSync(p).subarray(0, 40));
          return join(dir, 'head.safetensors');
        },
        /head\.safetensors: is not a valid checkpoint: the header length \d+ runs past the end/,
      ],
      [
        'garbage',
        () => {
          writeFileSync(join(dir, 'garbage.safetensors'), 'this is not a checkpoint at all');
          return join(dir, 'garbage.safetensors');
        },
        /garbage\.safetensors: is not a valid checkpoint/,
      ],
      [
        'empty',
        () => {
          writeFileSync(join(dir, 'empty.safetensors'), '');
          return join(dir, 'empty.safetensors');
        },
        /empty\.safetensors: is not a valid checkpoint: the buffer has 0 bytes/,
      ],
      [
        'missing',
        () => join(dir, 'nope.safetensors'),
        /nope\.safetensors: cannot read the checkpoint: no such file/,
      ],
    ];
    it.each(cases)('%s', async (_, make, message) => {
      const path = make(good);
      const error = await load(path).catch((e) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect(error).toBeInstanceOf(DataFormatError);
      expect(error.file).toBe(path);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(path)).toBe(true);
    });

    it('plain weights or an @rnn/nn checkpoint without training progress', async () => {
      const weights = join(dir, 'weights.safetensors');
      await saveSafetensorsFile(weights, new TinyNet().stateDict());
      await expect(load(weights)).rejects.toThrow(
        `${weights}: expected an @rnn checkpoint (safetensors metadata format "rnn-checkpoint"), got undefined`,
      );
      const bare = join(dir, 'bare.safetensors');
      await saveCheckpoint(bare, { model: new TinyNet(), step: 3 });
      await expect(load(bare)).rejects.toThrow(`${bare}: expected a training checkpoint of @rnn/train`);
    });

    it('a model of another shape, or an optimizer or loader it does not hold', async () => {
      const err = await loadModelFromCheckpoint(good, new Linear(4, 3)).catch((e) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err.message.startsWith(`${good}: cannot be restored: `)).toBe(true);
      expect(err.message).toMatch(/unexpected keys: fc1\.bias, fc1\.weight/);
      const run = tinyRun(0);
      await expect(loadTrainingCheckpoint(good, { model: run.model, loader: run.loader })).rejects.toThrow(
        `${good}: holds no data-loader position`,
      );
      await expect(
        loadTrainingCheckpoint(good, {
          model: run.model,
          optimizer: run.optimizer,
          scheduler: run.scheduler,
        }),
      ).rejects.toThrow(`${good}: cannot be restored: it holds no scheduler state`);
    });
  });
});
