/**
 * `@rnn/train/node`: the Node.js half of the training kit. A terminal progress bar, metrics as JSON
 * lines on disk, plots rendered to SVG/PNG and gathered in an HTML report, checkpoints on disk
 * (atomic, kept and pruned, resumed exactly), Ctrl-C handling, run summaries, backend setup, and the
 * command-line conventions every app follows. Re-exports nothing of `@rnn/train`: import both.
 *
 * @packageDocumentation
 */
export {
  BACKEND_NAMES,
  type BackendName,
  type BackendSetup,
  type SetupBackendOptions,
  setupBackend,
} from './backend';
export {
  CheckpointError,
  CheckpointManager,
  type CheckpointManagerOptions,
  type LoadedTrainingCheckpoint,
  loadModelFromCheckpoint,
  loadTrainingCheckpoint,
  readCheckpointMeta,
  type TrainingCheckpointExtra,
} from './checkpoints';
export {
  type Command,
  type CommandContext,
  defineCommand,
  type ParsedCommand,
  type Program,
  parseCommand,
  UsageError,
} from './cli/command';
export {
  type Flag,
  type FlagSet,
  FlagValueError,
  type FlagValues,
  flags,
  kebabCase,
  type NumberFlagOptions,
  type PathFlagOptions,
} from './cli/flags';
export { commandHelp, programHelp } from './cli/help';
export { type CliStreams, runCli } from './cli/run';
export { checkpointFlags, trainFlags } from './cli/standard';
export { type InterruptHandle, type InterruptOptions, interruptSignal, signalExitCode } from './interrupt';
export { MetricsLog, type MetricsLogOptions, readMetrics } from './metrics-log';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress';
export { type PlotFiles, type RenderPngOptions, renderPng, renderSvg, writePlot } from './render';
export { type ReportFiles, type ReportOptions, writeReport } from './report';
export { checkResumeConfig, openRunDir, type RunDir, runDirPaths } from './run-dir';
export {
  gitCommit,
  type MachineInfo,
  machineInfo,
  type RunSummary,
  type RunSummaryInput,
  writeRunSummary,
} from './run-summary';
