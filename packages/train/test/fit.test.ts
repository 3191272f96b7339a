import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReduceLROnPlateau } from '@rnn/nn';
import { manualSeed, noGrad, randn } from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fit, type MetricRecord } from '../src';
import { CheckpointManager, MetricsLog, readCheckpointMeta, readMetrics } from '../src/node';
import { bits, tinyRun, weightBits } from './helpers/tiny';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-fit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Scrambles everything a resume must restore: weights and the default generator. */
function scramble(run: ReturnType<typeof tinyRun>): void {
  noGrad(() => {
    for (const p of run.model.parameters()) p.assign(p.add(randn(p.shape)));
  });
  manualSeed(12345);
}

describe('fit', () => {
  // 4 batches per epoch, 3 epochs = 12 steps. Interrupt mid-epoch (step 6: epoch 2, batch 2), on the
  // last batch of an epoch (step 8), or let a 2-epoch run finish and extend it to 3 epochs.
  it.each([
    ['mid-epoch', 6, 3, false],
    ['mid-epoch, the loader shuffling from its own generator', 7, 3, true],
    ['on the last batch of an epoch', 8, 3, false],
    ['after a completed run, with more epochs', undefined, 2, false],
  ])('resumes exactly %s: the same losses, bit for bit, as an uninterrupted run', async (_, stopAt, firstEpochs, ownGenerator) => {
    const tinyRunOf = (seed: number) => tinyRun(seed, { ownGenerator });
    const a = tinyRunOf(0);
    const full = await fit({ ...a.options, epochs: 3 });
    expect(full.status).toBe('completed');
    expect(a.losses).toHaveLength(12);

    const b = tinyRunOf(0);
    const controller = new AbortController();
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'));
    const first = await fit({
      ...b.options,
      epochs: firstEpochs,
      checkpoints,
      signal: controller.signal,
      trainStep: async (batch, ctx) => {
        const out = await b.options.trainStep(batch);
        if (ctx.step === stopAt) controller.abort('test');
        return out;
      },
    });
    expect(first.status).toBe(stopAt === undefined ? 'completed' : 'interrupted');
    expect(b.losses).toHaveLength(stopAt ?? 8);

    const c = tinyRunOf(0);
    scramble(c);
    const second = await fit({ ...c.options, epochs: 3, checkpoints, resume: true });
    expect(second.status).toBe('completed');
    expect(bits([...b.losses, ...c.losses])).toBe(bits(a.losses));
    expect(await weightBits(c.model)).toBe(await weightBits(a.model));
    const valid = (h: MetricRecord[]) => h.filter((r) => r.split === 'valid').map((r) => r.metrics.loss);
    expect(bits(valid(second.progress.history))).toBe(bits(valid(full.progress.history)));
    expect(second.progress).toMatchObject({ epoch: 3, batch: 0, step: 12 });
  });

  it('writes metrics records, rewinds them on resume, and keeps the last K epoch checkpoints', async () => {
    const log = join(dir, 'metrics.jsonl');
    const b = tinyRun(1);
    const controller = new AbortController();
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'), { keepLast: 2 });
    let metrics = new MetricsLog(log);
    await fit({
      ...b.options,
      epochs: 4,
      logEvery: 3,
      checkpoints,
      metrics,
      signal: controller.signal,
      trainStep: async (batch, ctx) => {
        const out = await b.options.trainStep(batch);
        if (ctx.step === 10) controller.abort('test');
        return out;
      },
    });
    metrics.close();
    // Steps 3, 4 (end of epoch 1), 6, 8 (end of epoch 2), 9; evaluations at steps 4 and 8.
    const before = await readMetrics(log);
    expect(before.map((r) => `${r.split}@${r.step}`)).toEqual([
      'train@3',
      'train@4',
      'valid@4',
      'train@6',
      'train@8',
      'valid@8',
      'train@9',
    ]);
    // A record logged after the checkpoint, as if the process had died later: rewound away on resume.
    metrics = new MetricsLog(log);
    metrics.log({ ...before[before.length - 1], step: 11 });
    metrics.close();

    const c = tinyRun(1);
    metrics = new MetricsLog(log);
    const result = await fit({ ...c.options, epochs: 4, logEvery: 3, checkpoints, metrics, resume: true });
    metrics.close();
    const after = await readMetrics(log);
    expect(after.map((r) => `${r.split}@${r.step}`)).toEqual([
      ...before.map((r) => `${r.split}@${r.step}`),
      'train@12',
      'valid@12',
      'train@15',
      'train@16',
      'valid@16',
    ]);
    expect(after.every((r) => Number.isFinite(r.metrics.loss) && r.epoch === Math.ceil(r.step / 4))).toBe(
      true,
    );
    expect(after.filter((r) => r.split === 'train').every((r) => r.metrics.lr > 0)).toBe(true);
    expect(result.progress.history.map((r) => `${r.split}@${r.epoch}`)).toEqual([
      'train@1',
      'valid@1',
      'train@2',
      'valid@2',
      'train@3',
      'valid@3',
      'train@4',
      'valid@4',
    ]);
    expect((await checkpoints.epochFiles()).map((f) => f.slice(-22))).toEqual([
      'epoch-0003.safetensors',
      'epoch-0004.safetensors',
    ]);
  });

  it('stops early on a plateau of the monitored metric, steps ReduceLROnPlateau, keeps the best', async () => {
    const run = tinyRun(2);
    const scheduler = new ReduceLROnPlateau(run.optimizer, { patience: 0, factor: 0.5 });
    const values = [3, 2, 2.5, 2.4, 2.6, 1];
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'));
    const result = await fit({
      ...run.options,
      scheduler,
      epochs: 6,
      evaluate: (epoch) => ({ loss: values[epoch - 1] }),
      monitor: { metric: 'loss', mode: 'min' },
      earlyStopping: { patience: 3 },
      checkpoints,
    });
    expect(result.status).toBe('early-stopped');
    expect(result.best).toEqual({ value: 2, epoch: 2 });
    expect(result.progress.epoch).toBe(5);
    // lr halves after each epoch without improvement: epochs 3, 4, 5.
    expect(run.optimizer.paramGroups[0].lr).toBeCloseTo(0.05 / 8, 12);
    const best = await readCheckpointMeta(checkpoints.bestPath);
    expect(best.progress.epoch).toBe(2);
    // Resuming an early-stopped run does not train further.
    const r2 = tinyRun(2);
    const again = await fit({
      ...r2.options,
      scheduler: new ReduceLROnPlateau(r2.optimizer, { patience: 0, factor: 0.5 }),
      epochs: 6,
      evaluate: (epoch) => ({ loss: values[epoch - 1] }),
      monitor: { metric: 'loss', mode: 'min' },
      earlyStopping: { patience: 3 },
      checkpoints,
      resume: true,
    });
    expect(again.status).toBe('early-stopped');
    expect(r2.losses).toHaveLength(0);
    expect(r2.optimizer.paramGroups[0].lr).toBeCloseTo(0.05 / 8, 12);
  });

  it('resumes data without a stateDict by skipping the batches already done', async () => {
    const batches = [1, 2, 3, 4, 5, 6];
    const seen: number[] = [];
    const opts = {
      data: batches, // a plain array: fixed order, no position to save
      model: tinyRun(3).model,
      trainStep: (b: number) => {
        seen.push(b);
        return { loss: b };
      },
    };
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'));
    const controller = new AbortController();
    await fit({
      ...opts,
      epochs: 2,
      checkpoints,
      signal: controller.signal,
      trainStep: (b: number, ctx) => {
        if (ctx.step === 4) controller.abort();
        return opts.trainStep(b);
      },
    });
    const result = await fit({ ...opts, epochs: 2, checkpoints, resume: true });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(result.progress.history.filter((r) => r.split === 'train').map((r) => r.metrics.loss)).toEqual([
      3.5, 3.5,
    ]);
  });

  it('evalEvery: evaluates every N steps and at the end of the run, checkpoints each evaluation', async () => {
    const run = tinyRun(5);
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'));
    const lines: string[] = [];
    const progress = { start() {}, update() {}, stop() {}, print: (l: string) => lines.push(l) };
    const result = await fit({
      ...run.options,
      epochs: 3,
      evalEvery: 5,
      monitor: { metric: 'loss', mode: 'min' },
      checkpoints,
      progress,
    });
    expect(result.status).toBe('completed');
    // 4 batches per epoch: evaluations at steps 5 (epoch 2), 10 (epoch 3) and 12 (the end of the run).
    expect(result.progress.history.map((r) => `${r.split}@${r.step}/${r.epoch}`)).toEqual([
      'train@4/1',
      'valid@5/2',
      'train@8/2',
      'valid@10/3',
      'train@12/3',
      'valid@12/3',
    ]);
    expect(lines.filter((l) => l.startsWith('step '))).toEqual([
      expect.stringMatching(/^step 5 \(epoch 2, batch 1\/4\): valid loss [\d.]+ \| \d:\d\d/),
      expect.stringMatching(/^step 10 \(epoch 3, batch 2\/4\): valid loss /),
    ]);
    expect(lines.filter((l) => l.startsWith('epoch ')).map((l) => l.includes('valid'))).toEqual([
      false,
      false,
      true,
    ]);
    // The best evaluation's checkpoint holds the position inside its epoch.
    const best = await readCheckpointMeta(checkpoints.bestPath);
    const bestRecord = result.progress.history.find(
      (r) => r.split === 'valid' && r.metrics.loss === result.best?.value,
    )!;
    expect(best.progress).toMatchObject({
      step: bestRecord.step,
      batch: bestRecord.step - 4 * (bestRecord.epoch - 1),
    });
  });

  it('evalEvery: a run that dies after an evaluation resumes exactly from its checkpoint', async () => {
    const a = tinyRun(6);
    await fit({ ...a.options, epochs: 3, evalEvery: 5 });

    const b = tinyRun(6);
    const checkpoints = new CheckpointManager(join(dir, 'ckpt'));
    await expect(
      fit({
        ...b.options,
        epochs: 3,
        evalEvery: 5,
        checkpoints,
        trainStep: async (batch, ctx) => {
          if (ctx.step === 8) throw new Error('the machine went down'); // no interrupt checkpoint
          return b.options.trainStep(batch);
        },
      }),
    ).rejects.toThrow('the machine went down');
    expect((await readCheckpointMeta(checkpoints.lastPath)).progress).toMatchObject({ step: 5, batch: 1 });

    const c = tinyRun(6);
    scramble(c);
    const result = await fit({ ...c.options, epochs: 3, evalEvery: 5, checkpoints, resume: true });
    expect(result.status).toBe('completed');
    expect(bits([...b.losses.slice(0, 5), ...c.losses])).toBe(bits(a.losses));
    expect(await weightBits(c.model)).toBe(await weightBits(a.model));
  });

  it('evalEvery: early stopping counts evaluations and stops inside an epoch', async () => {
    const run = tinyRun(7);
    const values = [3, 2, 2.5, 2.4, 1];
    let calls = 0;
    const scheduler = new ReduceLROnPlateau(run.optimizer, { patience: 0, factor: 0.5 });
    const result = await fit({
      ...run.options,
      scheduler,
      epochs: 10,
      evalEvery: 3,
      evaluate: () => ({ loss: values[calls++] }),
      monitor: { metric: 'loss', mode: 'min' },
      earlyStopping: { patience: 2 },
      checkpoints: new CheckpointManager(join(dir, 'ckpt')),
    });
    expect(result.status).toBe('early-stopped');
    // Evaluations at steps 3, 6, 9, 12: the last two did not beat 2 (step 6, epoch 2).
    expect(calls).toBe(4);
    expect(result.progress).toMatchObject({ step: 12, epoch: 2, batch: 4 });
    expect(result.best).toEqual({ value: 2, epoch: 2 });
    // The plateau scheduler is stepped at each evaluation: halved after steps 9 and 12.
    expect(run.optimizer.paramGroups[0].lr).toBeCloseTo(0.05 / 4, 12);
    await expect(fit({ ...run.options, epochs: 1, evalEvery: 0 })).rejects.toThrow(
      /evalEvery must be a positive integer, got 0/,
    );
  });

  it('says what is wrong: bad epochs, nothing to resume, an unknown monitored metric', async () => {
    const run = tinyRun(4);
    await expect(fit({ ...run.options, epochs: 0 })).rejects.toThrow(
      /epochs must be a positive integer, got 0/,
    );
    await expect(
      fit({ ...run.options, epochs: 1, checkpoints: new CheckpointManager(join(dir, 'none')), resume: true }),
    ).rejects.toThrow(/no checkpoint to resume from/);
    await expect(
      fit({ ...run.options, epochs: 1, monitor: { metric: 'accuracy', mode: 'max' } }),
    ).rejects.toThrow(/"accuracy" is not among the evaluation's metrics \(loss\)/);
  });
});
