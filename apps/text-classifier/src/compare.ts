import {
  learningCurvesSpec,
  PLOT_CONFIG,
  type RunRecords,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from '@rnn/train';

/**
 * The learning curves of several runs side by side, as the tutorial shows its runs with and without
 * LayerNorm: a row per metric, a panel per run in each row (`@rnn/train`'s single-run panels: train
 * solid, evaluations with points), the panels of a row on one y scale so their heights compare.
 */
export function comparisonSpec(runs: readonly RunRecords[], metrics: readonly string[]): VegaLiteSpec {
  const rows = metrics.map((metric) => ({
    hconcat: runs.map((run) => {
      const single = learningCurvesSpec([run], { metrics: [metric] });
      const [panel] = single.hconcat as Record<string, unknown>[];
      return { ...panel, title: `${run.name}: ${metric}`, data: single.data };
    }),
    resolve: { scale: { y: 'shared', x: 'shared' } },
  }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    vconcat: rows,
    resolve: { scale: { y: 'independent' } },
    config: PLOT_CONFIG,
  };
}
