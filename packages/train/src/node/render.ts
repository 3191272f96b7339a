import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { VegaLiteSpec } from '../plots/spec';

// vega and vega-lite are ESM-only: loaded with import(), which works from this package's ESM and
// CJS builds alike (the CJS build keeps it a real dynamic import).
type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');
let modules: Promise<[VegaModule, VegaLiteModule]> | undefined;
function loadVega(): Promise<[VegaModule, VegaLiteModule]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/**
 * Renders a Vega-Lite spec to an SVG document, server-side (no browser, no canvas): compiled by
 * `vega-lite`, drawn by `vega`'s SVG renderer.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await loadVega();
  const compiled = vl.compile(spec as unknown as Parameters<VegaLiteModule['compile']>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Pixels per SVG unit (default 2, for sharp text on high-density screens). */
  scale?: number;
  /** Font files to use besides the system's (TTF/OTF), e.g. on a machine without fonts. */
  fontFiles?: string[];
}

/**
 * Rasterizes an SVG to PNG bytes with resvg (a prebuilt native module; no compiler, no browser).
 * Text uses the system's fonts, plus `fontFiles`; on a machine with no fonts at all, pass one.
 */
export function renderPng(svg: string, options: RenderPngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
    font: { loadSystemFonts: true, fontFiles: options.fontFiles ?? [] },
  });
  return resvg.render().asPng();
}

/** The files {@link writePlot} wrote. */
export interface PlotFiles {
  /** Path of the `.svg` file. */
  svg: string;
  /** Path of the `.png` file. */
  png: string;
  /** The SVG text, e.g. to inline it in an HTML report. */
  svgText: string;
}

/**
 * Renders a spec and writes `<base>.svg` and `<base>.png` (folders are created).
 *
 * @example
 * ```ts
 * await writePlot('runs/a/curves', learningCurvesSpec([{ name: 'a', records }]));
 * ```
 */
export async function writePlot(
  base: string,
  spec: VegaLiteSpec,
  options: RenderPngOptions = {},
): Promise<PlotFiles> {
  const svgText = await renderSvg(spec);
  await mkdir(dirname(base), { recursive: true });
  const svg = `${base}.svg`;
  const png = `${base}.png`;
  await writeFile(svg, svgText);
  await writeFile(png, renderPng(svgText, options));
  return { svg, png, svgText };
}
