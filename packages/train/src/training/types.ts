import type { StateDictModule, StatefulOptimizer, StatefulScheduler } from '@rnn/nn';
import type { MetricRecord } from '../metrics/record';
import type { RunningMeanState } from '../metrics/running-mean';
import type { EarlyStoppingState } from './early-stopping';

/** Anything whose state is plain JSON: a `DataLoader` (its position), an early stopper, ... */
export interface JsonStateful<S = unknown> {
  /** The state, as JSON. */
  stateDict(): S;
  /** Restores a {@link JsonStateful.stateDict}. */
  loadStateDict(state: S): void;
}

/**
 * The objects a training checkpoint saves and restores: the model's weights (stored as safetensors
 * tensors under PyTorch's names), the optimizer and scheduler states, and the data loader's position.
 * The random generator's state is always saved too.
 */
export interface CheckpointParts {
  /** Its weights are stored as safetensors tensors `model.<name>`. */
  model: StateDictModule;
  /** Its state (moments, step counts) is stored too. */
  optimizer?: StatefulOptimizer;
  /** Its state is stored as JSON. */
  scheduler?: StatefulScheduler;
  /** A data loader with `stateDict()` / `loadStateDict()` (e.g. `@rnn/data`'s `DataLoader`). */
  loader?: JsonStateful;
}

/**
 * Where a run stands, stored as JSON in every checkpoint: enough to continue exactly where it stopped,
 * and the metrics so far.
 */
export interface TrainingProgress {
  /** Epochs completed. */
  epoch: number;
  /** Batches done in the epoch after `epoch` (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps done over the whole run. */
  step: number;
  /** Seconds spent training so far, over all sessions of the run. */
  elapsed: number;
  /** Weighted loss sum of the current epoch so far. */
  epochLoss: RunningMeanState;
  /** Weighted loss sum since the last logged training record. */
  windowLoss: RunningMeanState;
  /** Early-stopping state (best value and epoch, evaluations without improvement). */
  earlyStopping?: EarlyStoppingState;
  /** Every evaluation record so far, and one training record per epoch. */
  history: MetricRecord[];
}

/** Options of {@link CheckpointStore.save}. */
export interface SaveCheckpointOptions {
  /**
   * `'epoch'` at the end of an epoch, `'eval'` after an evaluation inside an epoch (`fit`'s
   * `evalEvery`), `'interrupt'` when training was stopped mid-way.
   */
  reason: 'epoch' | 'eval' | 'interrupt';
  /** Whether the last evaluation is the best so far (also saved as the "best" checkpoint). */
  best: boolean;
}

/**
 * Where {@link fit} keeps checkpoints. `@rnn/train/node`'s `CheckpointManager` is one (files on disk,
 * atomic writes, the last K kept); a browser app could keep them in IndexedDB.
 */
export interface CheckpointStore {
  /** Saves a checkpoint; returns where it went (a path). */
  save(parts: CheckpointParts, progress: TrainingProgress, options: SaveCheckpointOptions): Promise<string>;
  /** Restores the most recent checkpoint into `parts`; undefined when there is none. */
  restoreLatest(parts: CheckpointParts): Promise<{ progress: TrainingProgress; path: string } | undefined>;
}

/** Where {@link fit} sends metric records (`@rnn/train/node`'s `MetricsLog` appends JSON lines). */
export interface MetricsSink {
  /** Records one step's or one evaluation's metrics. */
  log(record: MetricRecord): void | Promise<void>;
  /**
   * Called when a run resumes at `step`: drop records logged after it (they will be logged again),
   * or write `history` when there is nothing to keep.
   */
  rewind?(step: number, history: readonly MetricRecord[]): void | Promise<void>;
}

/** What {@link ProgressReporter.start} is told about an epoch. */
export interface ProgressStart {
  /** Batches in the epoch, when known. */
  total?: number;
  /** Batches already done (a resumed epoch). */
  done?: number;
  /** Shown before the bar, e.g. `epoch 3/10`. */
  label: string;
  /** What throughput counts, e.g. `tokens`; the rate shows as `tokens/s`. */
  unit: string;
}

/** A per-epoch progress display (`@rnn/train/node`'s `ProgressBar` is one). */
export interface ProgressReporter {
  /** Starts an epoch's display. */
  start(info: ProgressStart): void;
  /** `done` batches of the epoch; `units` counted since `start`; `loss` the epoch's mean loss so far. */
  update(done: number, values: { loss: number; units: number }): void;
  /** Ends the epoch's display. */
  stop(): void;
  /** Prints a line of text (an epoch summary) outside the bar. */
  print(line: string): void;
}
