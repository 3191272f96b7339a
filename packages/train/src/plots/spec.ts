/**
 * A Vega-Lite specification (https://vega.github.io/vega-lite/), as plain JSON. The same object is
 * rendered to SVG/PNG by `@rnn/train/node` (`renderSvg`, `renderPng`) and can be embedded in a web
 * page with `vega-embed`.
 */
export type VegaLiteSpec = { $schema: string } & Record<string, unknown>;

/** The Vega-Lite schema the specs of this package are written against. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: white background, readable font sizes. */
export const PLOT_CONFIG = {
  background: 'white',
  // Metric-compatible families first, so server-side (resvg) and browser renderings look alike.
  font: 'Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14 },
} as const;
