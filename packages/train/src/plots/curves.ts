import { ValueError } from '@rnn/tensor';
import type { MetricRecord } from '../metrics/record';
import { PLOT_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec';

/** One run's records, under the name its curves get in the legend. */
export interface RunRecords {
  /** The run's name in the legend. */
  name: string;
  /** Its metric records (see `readMetrics`). */
  records: readonly MetricRecord[];
}

/** Options of {@link learningCurvesSpec}. */
export interface LearningCurvesOptions {
  /** Metrics to draw, one panel each (default: every metric of the evaluation records, `loss` first). */
  metrics?: readonly string[];
  /** The x axis: optimizer steps (default) or epochs. */
  x?: 'step' | 'epoch';
  /** Splits to draw (default: all). */
  splits?: readonly string[];
  /** Metrics drawn on a logarithmic y axis (e.g. `['perplexity']`). */
  logScale?: readonly string[];
  /** Chart title. */
  title?: string;
  /** Width of each panel in pixels (default 360). */
  width?: number;
  /** Height of each panel in pixels (default 220). */
  height?: number;
}

/** One point of a curve, as the spec's inline data holds it. */
interface CurvePoint {
  run: string;
  split: string;
  metric: string;
  step: number;
  epoch: number;
  value: number;
}

/**
 * Training and validation curves of one or more runs as a Vega-Lite spec: one panel per metric
 * (each with its own y scale), lines coloured by run (by split when there is one run; with several
 * runs the evaluation splits are dashed), with points at each evaluation. Comparing runs, e.g. with and without
 * LayerNorm, is passing both.
 *
 * @example
 * ```ts
 * const spec = learningCurvesSpec([
 *   { name: 'plain', records: await readMetrics('runs/plain/metrics.jsonl') },
 *   { name: 'layer norm', records: await readMetrics('runs/ln/metrics.jsonl') },
 * ], { metrics: ['loss', 'accuracy'] });
 * await writePlot('runs/compare/curves', spec); // curves.svg + curves.png
 * ```
 */
export function learningCurvesSpec(
  runs: readonly RunRecords[],
  options: LearningCurvesOptions = {},
): VegaLiteSpec {
  const x = options.x ?? 'step';
  const metrics = options.metrics ?? defaultMetrics(runs);
  if (metrics.length === 0)
    throw new ValueError('learningCurvesSpec: no metric to draw (the records hold none)');
  const splits = options.splits ? new Set(options.splits) : undefined;
  const values: CurvePoint[] = [];
  for (const run of runs) {
    for (const r of run.records) {
      if (splits && !splits.has(r.split)) continue;
      for (const metric of metrics) {
        const value = r.metrics[metric];
        if (value === undefined || !Number.isFinite(value)) continue;
        values.push({ run: run.name, split: r.split, metric, step: r.step, epoch: r.epoch, value });
      }
    }
  }
  const byRun = runs.length > 1;
  // With several runs, colour tells the runs apart and the dash the splits: train solid, evaluations dashed.
  const splitNames = [...new Set(values.map((v) => v.split))].sort((a, b) =>
    a === 'train' ? -1 : b === 'train' ? 1 : a.localeCompare(b),
  );
  const dashes = [
    [6, 3],
    [2, 2],
    [8, 3, 2, 3],
  ];
  const strokeDash = {
    field: 'split',
    type: 'nominal',
    title: 'split',
    scale: {
      domain: splitNames,
      range: splitNames.map((n, i) => (n === 'train' ? [1, 0] : dashes[(i - 1) % dashes.length])),
    },
  };
  const log = new Set(options.logScale ?? []);
  const xEncoding = { field: x, type: 'quantitative', title: x };
  const color = byRun
    ? { field: 'run', type: 'nominal', title: 'run', sort: runs.map((r) => r.name) }
    : { field: 'split', type: 'nominal', title: 'split' };
  const panel = (metric: string) => {
    const y = {
      field: 'value',
      type: 'quantitative',
      title: metric,
      scale: log.has(metric) ? { type: 'log' } : { zero: false },
    };
    return {
      title: metric,
      width: options.width ?? 360,
      height: options.height ?? 220,
      transform: [{ filter: { field: 'metric', equal: metric } }],
      layer: [
        {
          transform: [{ filter: { field: 'split', equal: 'train' } }],
          mark: { type: 'line', strokeWidth: 1.5, opacity: 0.85 },
          encoding: { x: xEncoding, y, color, ...(byRun ? { strokeDash } : {}) },
        },
        {
          transform: [{ filter: { not: { field: 'split', equal: 'train' } } }],
          mark: { type: 'line', point: { size: 20 }, strokeWidth: 2 },
          encoding: { x: xEncoding, y, color, ...(byRun ? { strokeDash } : {}) },
        },
      ],
    };
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    data: { values },
    hconcat: metrics.map(panel),
    resolve: { scale: { y: 'independent' } },
    config: PLOT_CONFIG,
  };
}

/** Every metric of the evaluation records (and of the training records when there are none), loss first. */
function defaultMetrics(runs: readonly RunRecords[]): string[] {
  const evalNames = new Set<string>();
  const trainNames = new Set<string>();
  for (const run of runs) {
    for (const r of run.records) {
      for (const k of Object.keys(r.metrics)) (r.split === 'train' ? trainNames : evalNames).add(k);
    }
  }
  const names = [...(evalNames.size > 0 ? evalNames : trainNames)];
  return names.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}
