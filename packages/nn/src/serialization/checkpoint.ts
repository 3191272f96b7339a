/**
 * Training checkpoints: model, optimizer, scheduler, random-generator state and step in one
 * safetensors file. Tensors are stored as `model.<key>` and `optimizer.state.<index>.<name>`; the
 * rest is JSON in the string metadata (`format`, `step`, `rng`, `optimizer`, `scheduler`, `extra`),
 * so the model weights of a checkpoint also load in PyTorch with `safetensors`.
 */
import {
  DataFormatError,
  type Generator,
  getRngState,
  type RngState,
  setRngState,
  type Tensor,
} from '@rnn/tensor';
import type { SchedulerState } from '../optim/lr-scheduler';
import type { OptimizerStateDict, ParamState } from '../optim/optimizer';
import { decodeJson, encodeJson } from './json';
import { loadSafetensors, readSafetensorsHeader, saveSafetensorsAsync } from './safetensors';

/**
 * Anything with a PyTorch-style state dict: a `Module`, or a plain object of your own.
 * `loadStateDict` must copy the values (or `Tensor.assign` them): the checkpoint loader disposes the
 * tensors it read once everything is loaded.
 */
export interface StateDictModule {
  /** The tensors to save, keyed as PyTorch keys them. */
  stateDict(): Record<string, Tensor>;
  /** Loads tensors saved by {@link StateDictModule.stateDict}. */
  loadStateDict(stateDict: Record<string, Tensor>, options?: { strict?: boolean }): unknown;
}

/** An optimizer, as a checkpoint sees it. */
export interface StatefulOptimizer {
  /** The optimizer's state (per-parameter tensors and hyper-parameters), in PyTorch's layout. */
  stateDict(): OptimizerStateDict;
  /** Restores a {@link StatefulOptimizer.stateDict | stateDict()}. */
  loadStateDict(stateDict: OptimizerStateDict): void;
}

/** A learning-rate scheduler, as a checkpoint sees it. */
export interface StatefulScheduler {
  /** The scheduler's state, as plain data. */
  stateDict(): SchedulerState;
  /** Restores a {@link StatefulScheduler.stateDict | stateDict()}. */
  loadStateDict(state: SchedulerState): void;
}

/** What `saveCheckpoint` (`@rnn/nn/node`) and {@link serializeCheckpoint} store. */
export interface CheckpointContents {
  model: StateDictModule;
  optimizer?: StatefulOptimizer;
  scheduler?: StatefulScheduler;
  /** The training step (or epoch) reached. */
  step?: number;
  /** Anything else JSON can hold (best metric, config, ...). Non-finite numbers survive. */
  extra?: unknown;
  /** Generators besides the default one (always stored), by name. */
  generators?: Record<string, Generator>;
}

/** What `loadCheckpoint` (`@rnn/nn/node`) and {@link restoreCheckpoint} restore into. */
export interface CheckpointTargets {
  model: StateDictModule;
  optimizer?: StatefulOptimizer;
  scheduler?: StatefulScheduler;
  /** Generators to restore, by the names they were saved under. */
  generators?: Record<string, Generator>;
}

/** Options of {@link restoreCheckpoint} and `loadCheckpoint` (`@rnn/nn/node`). */
export interface LoadCheckpointOptions {
  /** Passed to the model's `loadStateDict` (default true). */
  strict?: boolean;
  /** Restore the default generator's state (default true): needed for an exact resume. */
  restoreRng?: boolean;
}

/** What a checkpoint holds besides the states it restored. */
export interface CheckpointInfo {
  step: number | undefined;
  extra: unknown;
  /** The default generator's state stored in the checkpoint. */
  rng: RngState;
}

const FORMAT = 'rnn-checkpoint';
const VERSION = '1';

/** Serializes a checkpoint to bytes (a safetensors file), reading tensors from any backend. */
export async function serializeCheckpoint(contents: CheckpointContents): Promise<Uint8Array> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(contents.model.stateDict())) tensors[`model.${k}`] = t;
  const metadata: Record<string, string> = {
    format: FORMAT,
    format_version: VERSION,
    rng: JSON.stringify(getRngState()),
  };
  if (contents.step !== undefined) metadata.step = JSON.stringify(contents.step);
  if (contents.extra !== undefined) metadata.extra = encodeJson(contents.extra);
  if (contents.scheduler) metadata.scheduler = encodeJson(contents.scheduler.stateDict());
  if (contents.generators) {
    const states: Record<string, RngState> = {};
    for (const [name, g] of Object.entries(contents.generators)) states[name] = g.getState();
    metadata.generators = JSON.stringify(states);
  }
  if (contents.optimizer) {
    const sd = contents.optimizer.stateDict();
    const numbers: Record<string, Record<string, number>> = {};
    for (const [index, st] of Object.entries(sd.state)) {
      numbers[index] = {};
      for (const [name, v] of Object.entries(st)) {
        if (typeof v === 'number') numbers[index][name] = v;
        else tensors[`optimizer.state.${index}.${name}`] = v;
      }
    }
    metadata.optimizer = encodeJson({ paramGroups: sd.paramGroups, state: numbers });
  }
  return saveSafetensorsAsync(tensors, metadata);
}

/**
 * Restores a checkpoint from bytes into the model, optimizer, scheduler and generators given, and
 * (unless `restoreRng` is false) the default generator, so that training resumes exactly.
 */
export function restoreCheckpoint(
  bytes: Uint8Array,
  targets: CheckpointTargets,
  options: LoadCheckpointOptions = {},
): CheckpointInfo {
  const { metadata } = readSafetensorsHeader(bytes);
  if (metadata.format !== FORMAT) {
    throw new DataFormatError(
      'checkpoint',
      0,
      `expected a safetensors file with metadata format "${FORMAT}", got ${JSON.stringify(metadata.format)}` +
        ' (for plain weights use loadSafetensors)',
    );
  }
  if (metadata.format_version !== VERSION) {
    throw new DataFormatError(
      'checkpoint',
      0,
      `unsupported format_version ${JSON.stringify(metadata.format_version)}`,
    );
  }
  const parse = (key: string): unknown => {
    try {
      return decodeJson(metadata[key]);
    } catch (e) {
      throw new DataFormatError(
        'checkpoint',
        0,
        `metadata "${key}" is not valid JSON (${(e as Error).message})`,
      );
    }
  };
  const rng = parse('rng') as RngState;
  const tensors = loadSafetensors(bytes);
  try {
    const model: Record<string, Tensor> = {};
    const optimizerState: Record<string, ParamState> = {};
    for (const [key, t] of Object.entries(tensors)) {
      if (key.startsWith('model.')) model[key.slice(6)] = t;
      else if (key.startsWith('optimizer.state.')) {
        const rest = key.slice(16);
        const dot = rest.indexOf('.');
        if (dot < 0) throw new DataFormatError('checkpoint', 0, `malformed optimizer tensor name "${key}"`);
        const index = rest.slice(0, dot);
        optimizerState[index] ??= {};
        optimizerState[index][rest.slice(dot + 1)] = t;
      }
    }
    targets.model.loadStateDict(model, { strict: options.strict ?? true });
    if (targets.optimizer) {
      if (metadata.optimizer === undefined)
        throw new DataFormatError('checkpoint', 0, 'it holds no optimizer state');
      const saved = parse('optimizer') as {
        paramGroups: OptimizerStateDict['paramGroups'];
        state: Record<string, Record<string, number>>;
      };
      for (const [index, numbers] of Object.entries(saved.state ?? {})) {
        optimizerState[index] = { ...numbers, ...optimizerState[index] };
      }
      targets.optimizer.loadStateDict({ paramGroups: saved.paramGroups, state: optimizerState });
    }
    if (targets.scheduler) {
      if (metadata.scheduler === undefined)
        throw new DataFormatError('checkpoint', 0, 'it holds no scheduler state');
      targets.scheduler.loadStateDict(parse('scheduler') as SchedulerState);
    }
    if (targets.generators) {
      const states = (metadata.generators === undefined ? {} : parse('generators')) as Record<
        string,
        RngState
      >;
      for (const [name, g] of Object.entries(targets.generators)) {
        if (!states[name])
          throw new DataFormatError('checkpoint', 0, `it holds no state for generator "${name}"`);
        g.setState(states[name]);
      }
    }
    if (options.restoreRng ?? true) setRngState(rng);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return {
    step: metadata.step === undefined ? undefined : (parse('step') as number),
    extra: metadata.extra === undefined ? undefined : parse('extra'),
    rng,
  };
}
