import type { ConfusionMatrix } from '../evaluation/confusion-matrix';
import { PLOT_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec';

/** Options of {@link confusionMatrixSpec}. */
export interface ConfusionMatrixPlotOptions {
  /** Chart title (default `'confusion matrix'`). */
  title?: string;
  /** Size of a cell in pixels (default 36; the chart is at least 240 px wide). */
  cellSize?: number;
}

/**
 * A confusion matrix as a Vega-Lite heat map: true classes down, predicted classes across, named by
 * the class names; each cell shows its count, and its colour is the row-normalised rate (recall on
 * the diagonal), so rare classes stay visible.
 */
export function confusionMatrixSpec(
  matrix: ConfusionMatrix | { labels: readonly string[]; counts: readonly (readonly number[])[] },
  options: ConfusionMatrixPlotOptions = {},
): VegaLiteSpec {
  const { labels, counts } = 'toJSON' in matrix ? matrix.toJSON() : matrix;
  const values: { true: string; predicted: string; count: number; rate: number }[] = [];
  counts.forEach((row, t) => {
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      values.push({ true: labels[t], predicted: labels[p], count, rate: sum === 0 ? 0 : count / sum });
    });
  });
  const side = Math.max(240, labels.length * (options.cellSize ?? 36));
  const order = [...labels];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? 'confusion matrix',
    width: side,
    height: side,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted', axis: { labelAngle: -40 } },
      y: { field: 'true', type: 'nominal', sort: order, title: 'true class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'rate',
            type: 'quantitative',
            title: 'row rate',
            scale: { scheme: 'blues', domain: [0, 1] },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.rate > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { ...PLOT_CONFIG, axis: { ...PLOT_CONFIG.axis, grid: false } },
  };
}
