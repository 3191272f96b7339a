import {
  ReduceLROnPlateau,
  type StateDictModule,
  type StatefulOptimizer,
  type StatefulScheduler,
} from '@rnn/nn';
import { ValueError } from '@rnn/tensor';
import { formatDuration, formatMetrics, formatRate, formatValue } from '../format';
import type { MetricRecord } from '../metrics/record';
import { RunningMean } from '../metrics/running-mean';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
import type {
  CheckpointParts,
  CheckpointStore,
  JsonStateful,
  MetricsSink,
  ProgressReporter,
  TrainingProgress,
} from './types';

/** What `trainStep` returns: the batch's mean loss, and how many units (examples, tokens, pairs) it had. */
export interface StepOutput {
  /** The batch's mean loss (a number: read it with `await loss.item()`). */
  loss: number;
  /** Units in the batch (default 1): weighs the loss in the epoch mean and counts toward throughput. */
  size?: number;
}

/** Where a step stands, passed to `trainStep`. */
export interface StepContext {
  /** The epoch (1-based). */
  epoch: number;
  /** The step about to run (1-based, over the whole run). */
  step: number;
  /** The batch's index in the epoch (0-based). */
  batch: number;
}

/** Options of {@link fit}. */
export interface FitOptions<B> {
  /** Train until this many epochs are done (counting those of a resumed run). */
  epochs: number;
  /**
   * The training batches, iterated once per epoch (a `DataLoader`, or any re-iterable). When it has
   * `stateDict()` / `loadStateDict()` its position is checkpointed; otherwise a resumed epoch skips
   * the batches already done, which is exact only for data in a fixed order (e.g. BPTT windows).
   */
  data: Iterable<B> | AsyncIterable<B>;
  /** One optimization step on a batch (see `backwardStep`). */
  trainStep: (batch: B, context: StepContext) => StepOutput | Promise<StepOutput>;
  /** Evaluates after each epoch (use `evaluate()` inside); returns the validation metrics by name. */
  evaluate?: (epoch: number) => Record<string, number> | Promise<Record<string, number>>;
  /**
   * Evaluate every this many steps (counted over the whole run) instead of after each epoch, as
   * tutorials that check the dev set every 100 batches do; a run whose last step falls between two
   * evaluations is evaluated once more at its end. Early stopping's patience and a
   * `ReduceLROnPlateau` then count these evaluations, and each one writes the `last` checkpoint (and
   * `best` when it improved), from which a resume continues exactly. Default: after each epoch.
   */
  evalEvery?: number;
  /** Name of the evaluation split in records and summaries (default `'valid'`). */
  evalSplit?: string;
  /** The model, checkpointed with its `stateDict()`. */
  model: StateDictModule;
  /** Checkpointed; its first group's `lr` is logged. */
  optimizer?: StatefulOptimizer & { paramGroups: readonly { lr: number }[] };
  /**
   * A `ReduceLROnPlateau` is stepped after each evaluation with the monitored metric; any other
   * scheduler (`StepLR`, ...) once per epoch with no argument. Checkpointed.
   */
  scheduler?: StatefulScheduler & {
    /** Advances the schedule (`metric`: the monitored value, for `ReduceLROnPlateau`). */
    step(metric?: number): void;
  };
  /** The validation metric that picks the best checkpoint, early stopping and plateau schedules. */
  monitor?: { metric: string; mode: 'min' | 'max' };
  /** Stop when the monitored metric stops improving (its mode is the monitor's). */
  earlyStopping?: Omit<EarlyStoppingOptions, 'mode'>;
  /** Where checkpoints go (every epoch, the best, and on interrupt). */
  checkpoints?: CheckpointStore;
  /** Continue from the store's latest checkpoint (an error when there is none). */
  resume?: boolean;
  /** Where metric records go. */
  metrics?: MetricsSink;
  /** Log a training record every this many steps, and at the end of each epoch (default 10). */
  logEvery?: number;
  /** What `size` counts, for throughput (default `'examples'`): logged as `<unit>_per_s`. */
  unit?: string;
  /** A per-epoch progress display. */
  progress?: ProgressReporter;
  /** Stops training after the current step, with a checkpoint (`interruptSignal()` aborts it on Ctrl-C). */
  signal?: AbortSignal;
}

/** How {@link fit} ended. */
export interface FitResult {
  /** `'completed'`: all epochs; `'early-stopped'`; `'interrupted'`: the signal fired. */
  status: 'completed' | 'early-stopped' | 'interrupted';
  /** The signal's reason when interrupted (e.g. `'SIGINT'`). */
  reason?: unknown;
  /** Where the run stands (epochs and steps done, the metrics so far). */
  progress: TrainingProgress;
  /** The best monitored value and its epoch, when there is a monitor. */
  best?: { value: number; epoch: number };
  /** The last checkpoint written, if any. */
  checkpoint?: string;
}

const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * A small training loop built from the kit's pieces: epochs of `trainStep` over `data`, a progress
 * display, metric records, evaluation, scheduler and early stopping on a validation metric, and
 * checkpoints (every epoch, the best, and on interrupt) from which `resume` continues exactly: the
 * same batches, random numbers and losses as an uninterrupted run.
 *
 * Nothing is hidden: each piece works without it, and the loop below is the whole of it.
 *
 * @example
 * ```ts
 * const result = await fit({
 *   epochs: 10, data: trainLoader, model, optimizer, scheduler,
 *   trainStep: async (b) => ({ ...(await backwardStep(lossOf(b), optimizer, { maxGradNorm: 1 })), size: b.size }),
 *   evaluate: () => evaluate(model, () => validate(devLoader)),
 *   monitor: { metric: 'accuracy', mode: 'max' }, earlyStopping: { patience: 3 },
 *   checkpoints: new CheckpointManager('runs/a/checkpoints'), metrics: new MetricsLog('runs/a/metrics.jsonl'),
 *   progress: new ProgressBar(), signal: interruptSignal().signal, resume,
 * });
 * ```
 */
export async function fit<B>(o: FitOptions<B>): Promise<FitResult> {
  if (!Number.isInteger(o.epochs) || o.epochs < 1) {
    throw new ValueError(`fit: epochs must be a positive integer, got ${o.epochs}`);
  }
  if (o.evalEvery !== undefined && (!Number.isInteger(o.evalEvery) || o.evalEvery < 1)) {
    throw new ValueError(`fit: evalEvery must be a positive integer, got ${o.evalEvery}`);
  }
  if (isPlateau(o.scheduler) && (!o.monitor || !o.evaluate)) {
    throw new ValueError('fit: ReduceLROnPlateau needs a monitor and evaluate');
  }
  const logEvery = o.logEvery ?? 10;
  const split = o.evalSplit ?? 'valid';
  const unit = o.unit ?? 'examples';
  const stopper = o.monitor
    ? new EarlyStopping({ patience: Number.POSITIVE_INFINITY, ...o.earlyStopping, mode: o.monitor.mode })
    : undefined;
  const loader = isJsonStateful(o.data) ? o.data : undefined;
  const parts: CheckpointParts = { model: o.model, optimizer: o.optimizer, scheduler: o.scheduler, loader };

  let p: TrainingProgress = {
    epoch: 0,
    batch: 0,
    step: 0,
    elapsed: 0,
    epochLoss: { sum: 0, weight: 0 },
    windowLoss: { sum: 0, weight: 0 },
    history: [],
  };
  let checkpoint: string | undefined;
  if (o.resume) {
    if (!o.checkpoints) throw new ValueError('fit: resume needs a checkpoint store (checkpoints)');
    const restored = await o.checkpoints.restoreLatest(parts);
    if (!restored)
      throw new ValueError('fit: resume was asked for, but there is no checkpoint to resume from');
    p = restored.progress;
    checkpoint = restored.path;
    if (stopper && p.earlyStopping) stopper.loadStateDict(p.earlyStopping);
    await o.metrics?.rewind?.(p.step, p.history);
  }
  const epochLoss = restoreMean(p.epochLoss);
  const windowLoss = restoreMean(p.windowLoss);
  const best = () =>
    stopper && stopper.bestEpoch > 0 ? { value: stopper.best, epoch: stopper.bestEpoch } : undefined;
  const done = (status: FitResult['status'], reason?: unknown): FitResult => ({
    status,
    ...(reason === undefined ? {} : { reason }),
    progress: p,
    best: best(),
    checkpoint,
  });
  if (stopper?.shouldStop) return done('early-stopped');

  let sessionStart = clock();
  const elapsed = () => p.elapsed + (clock() - sessionStart) / 1000;
  const record = (recordSplit: string, metrics: Record<string, number>): MetricRecord => ({
    split: recordSplit,
    step: p.step,
    epoch: p.epoch + 1,
    time: new Date().toISOString(),
    elapsed: elapsed(),
    metrics,
  });
  const saveProgress = (): TrainingProgress => {
    p.elapsed = elapsed();
    sessionStart = clock();
    p.epochLoss = epochLoss.stateDict();
    p.windowLoss = windowLoss.stateDict();
    if (stopper) p.earlyStopping = stopper.stateDict();
    return p;
  };
  let unitsSinceLog = 0;
  let lastLog = clock();
  const logTrain = async (): Promise<MetricRecord | undefined> => {
    if (windowLoss.weight === 0) return undefined;
    const seconds = (clock() - lastLog) / 1000;
    const metrics: Record<string, number> = { loss: windowLoss.mean };
    if (o.optimizer) metrics.lr = o.optimizer.paramGroups[0].lr;
    if (seconds > 0) metrics[`${unit}_per_s`] = unitsSinceLog / seconds;
    const r = record('train', metrics);
    await o.metrics?.log(r);
    windowLoss.reset();
    unitsSinceLog = 0;
    lastLog = clock();
    return r;
  };
  let lastYield = clock();
  /** One evaluation: its record, a plateau scheduler, early stopping. */
  const runEvaluation = async (epoch: number) => {
    const metrics = await o.evaluate!(epoch);
    const r = record(split, metrics);
    await o.metrics?.log(r);
    p.history.push(r);
    const monitored = monitoredValue(o.monitor, metrics);
    if (isPlateau(o.scheduler)) o.scheduler.step(monitored!);
    const stop = stopper !== undefined && monitored !== undefined && stopper.step(monitored, epoch);
    return { metrics, stop, improved: stopper?.improved ?? false };
  };
  const earlyStop = (): FitResult => {
    o.progress?.print(
      `early stopping: ${o.monitor!.metric} has not improved for ${stopper!.badEpochs} evaluations ` +
        `(best ${formatValue(stopper!.best)} at epoch ${stopper!.bestEpoch})`,
    );
    return done('early-stopped');
  };

  for (let epoch = p.epoch + 1; epoch <= o.epochs; epoch++) {
    const total = lengthOf(o.data);
    const epochStart = clock();
    let evalSeconds = 0; // spent in evaluations inside the epoch: not training time
    let unitsThisEpoch = 0;
    let unitsAtBarStart = 0;
    lastLog = epochStart; // throughput counts training time only, not the last evaluation
    unitsSinceLog = 0;
    o.progress?.start({ total, done: p.batch, label: `epoch ${epoch}/${o.epochs}`, unit });
    const skip = loader ? 0 : p.batch;
    let index = 0;
    try {
      for await (const batch of o.data) {
        if (index++ < skip) continue;
        const out = await o.trainStep(batch, { epoch, step: p.step + 1, batch: p.batch });
        const size = out.size ?? 1;
        p.step++;
        p.batch++;
        epochLoss.add(out.loss, size);
        windowLoss.add(out.loss, size);
        unitsThisEpoch += size;
        unitsSinceLog += size;
        o.progress?.update(p.batch, { loss: epochLoss.mean, units: unitsThisEpoch - unitsAtBarStart });
        if (p.step % logEvery === 0) await logTrain();
        if (o.evalEvery && o.evaluate && p.step % o.evalEvery === 0) {
          o.progress?.stop();
          const evalStart = clock();
          const ev = await runEvaluation(epoch);
          const ms = clock() - evalStart;
          evalSeconds += ms / 1000;
          lastLog += ms;
          o.progress?.print(
            `step ${p.step} (epoch ${epoch}, batch ${p.batch}${total === undefined ? '' : `/${total}`}): ` +
              `${split} ${formatMetrics(ev.metrics)} | ${formatDuration(ms / 1000)}` +
              (ev.improved ? ' | best' : ''),
          );
          if (o.checkpoints) {
            checkpoint = await o.checkpoints.save(parts, saveProgress(), {
              reason: 'eval',
              best: ev.improved,
            });
          }
          if (ev.stop) return earlyStop();
          unitsAtBarStart = unitsThisEpoch;
          o.progress?.start({ total, done: p.batch, label: `epoch ${epoch}/${o.epochs}`, unit });
        }
        // Let signal handlers and timers run (a CPU training step never yields by itself).
        if (clock() - lastYield > 50) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = clock();
        }
        if (o.signal?.aborted) break;
      }
    } finally {
      o.progress?.stop();
    }
    if (o.signal?.aborted) {
      o.progress?.print(`interrupted${why(o.signal)} at epoch ${epoch}, step ${p.step}`);
      if (o.checkpoints) {
        checkpoint = await o.checkpoints.save(parts, saveProgress(), { reason: 'interrupt', best: false });
        o.progress?.print(`checkpoint written: ${checkpoint}`);
      }
      return done('interrupted', o.signal.reason);
    }

    // End of the epoch: one training record, evaluation, scheduler, early stopping, checkpoint.
    const trainSeconds = (clock() - epochStart) / 1000 - evalSeconds;
    const trainLoss = epochLoss.mean;
    const trainRecord = (await logTrain()) ?? record('train', { loss: trainLoss });
    p.history.push({ ...trainRecord, metrics: { ...trainRecord.metrics, loss: trainLoss } });
    // With evalEvery, the epoch's end is evaluated only when it ends the run between two evaluations.
    const evaluateNow =
      o.evaluate !== undefined && (!o.evalEvery || (epoch === o.epochs && p.step % o.evalEvery !== 0));
    const ev = evaluateNow ? await runEvaluation(epoch) : undefined;
    if (o.scheduler && !isPlateau(o.scheduler)) o.scheduler.step();
    const improved = ev?.improved ?? false;
    p.epoch = epoch;
    p.batch = 0;
    epochLoss.reset();
    const seconds = (clock() - epochStart) / 1000;
    o.progress?.print(
      `epoch ${epoch}/${o.epochs}: train loss ${formatValue(trainLoss)}` +
        (ev ? ` | ${split} ${formatMetrics(ev.metrics)}` : '') +
        ` | ${formatRate(unitsThisEpoch / trainSeconds)} ${unit}/s | ${formatDuration(seconds)}` +
        (improved ? ' | best' : ''),
    );
    if (o.checkpoints) {
      checkpoint = await o.checkpoints.save(parts, saveProgress(), { reason: 'epoch', best: improved });
    }
    if (ev?.stop) return earlyStop();
    if (o.signal?.aborted) {
      o.progress?.print(`interrupted${why(o.signal)} after epoch ${epoch}, step ${p.step}`);
      if (checkpoint) o.progress?.print(`checkpoint written: ${checkpoint}`);
      return done('interrupted', o.signal.reason);
    }
  }
  saveProgress();
  return done('completed');
}

/** ` (SIGINT)` for a signal aborted with a name as its reason. */
function why(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? ` (${signal.reason})` : '';
}

/** A `ReduceLROnPlateau`, also one from another copy of @rnn/nn (CJS beside ESM), recognised by name. */
function isPlateau(s: unknown): s is ReduceLROnPlateau {
  return (
    s instanceof ReduceLROnPlateau || (s as object | undefined)?.constructor?.name === 'ReduceLROnPlateau'
  );
}

function monitoredValue(
  monitor: FitOptions<unknown>['monitor'],
  metrics: Record<string, number> | undefined,
): number | undefined {
  if (!monitor || !metrics) return undefined;
  const v = metrics[monitor.metric];
  if (typeof v !== 'number') {
    throw new ValueError(
      `fit: the monitored metric "${monitor.metric}" is not among the evaluation's metrics ` +
        `(${Object.keys(metrics).join(', ') || 'none'})`,
    );
  }
  return v;
}

function restoreMean(state: { sum: number; weight: number }): RunningMean {
  const m = new RunningMean();
  m.loadStateDict(state);
  return m;
}

function isJsonStateful(x: unknown): x is JsonStateful {
  const o = x as Partial<JsonStateful>;
  return typeof o.stateDict === 'function' && typeof o.loadStateDict === 'function';
}

function lengthOf(data: unknown): number | undefined {
  const n = (data as { length?: unknown }).length;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
