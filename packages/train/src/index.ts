/**
 * `@rnn/train`: the training kit of @rnn, browser-safe part. Metric records, evaluation helpers
 * (accuracy, confusion matrix with per-class precision/recall/F1, perplexity, `evaluate` under
 * `noGrad`), early stopping, Vega-Lite specs of learning curves and confusion matrices, a
 * clip-and-step helper and the `fit` loop. Files, terminals, signals, rendering, checkpoints on disk
 * and the app command line are in `@rnn/train/node`.
 *
 * @packageDocumentation
 */
export {
  type AddTensorsOptions,
  type ClassScores,
  ConfusionMatrix,
} from './evaluation/confusion-matrix';
export { evaluate, type HasTrainingMode } from './evaluation/evaluate';
export {
  type AccuracyOptions,
  accuracy,
  countCorrect,
  countCorrectTensors,
  perplexity,
  predictedClasses,
} from './evaluation/metrics';
export { formatDuration, formatMetrics, formatRate, formatValue } from './format';
export {
  formatMetricRecord,
  type MetricRecord,
  type ParsedMetrics,
  type ParseMetricsOptions,
  parseMetricRecords,
} from './metrics/record';
export { RunningMean, type RunningMeanState } from './metrics/running-mean';
export { type ConfusionMatrixPlotOptions, confusionMatrixSpec } from './plots/confusion';
export { type LearningCurvesOptions, learningCurvesSpec, type RunRecords } from './plots/curves';
export { PLOT_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './plots/spec';
export { type BackwardStepOptions, backwardStep, type SteppableOptimizer } from './training/backward-step';
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from './training/early-stopping';
export { type FitOptions, type FitResult, fit, type StepContext, type StepOutput } from './training/fit';
export type {
  CheckpointParts,
  CheckpointStore,
  JsonStateful,
  MetricsSink,
  ProgressReporter,
  ProgressStart,
  SaveCheckpointOptions,
  TrainingProgress,
} from './training/types';
