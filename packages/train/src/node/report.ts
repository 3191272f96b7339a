import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfusionMatrix } from '../evaluation/confusion-matrix';
import { formatValue } from '../format';
import { confusionMatrixSpec } from '../plots/confusion';
import { type LearningCurvesOptions, learningCurvesSpec, type RunRecords } from '../plots/curves';
import type { VegaLiteSpec } from '../plots/spec';
import { type RenderPngOptions, writePlot } from './render';

/** What {@link writeReport} puts in a report. */
export interface ReportOptions {
  /** The page's title, e.g. `mlp-demo: runs/mlp-demo`. */
  title: string;
  /** Short lines under the title (backend, how training ended, wall time, ...). */
  notes?: string[];
  /** Runs whose curves are drawn (one for a run's own report; several to compare). */
  runs: RunRecords[];
  /** Options of the learning curves (metrics, x axis, log scales). */
  curves?: LearningCurvesOptions;
  /** A confusion matrix (with class names) to draw, with its per-class precision/recall/F1 table. */
  confusion?: ConfusionMatrix;
  /** Final metrics by split, e.g. `{ valid: { accuracy: 0.91 }, test: { accuracy: 0.9 } }`. */
  finalMetrics?: Record<string, Record<string, number>>;
  /** The run's configuration, shown as a table. */
  config?: Record<string, unknown>;
  /** PNG options (scale, fonts). */
  png?: RenderPngOptions;
}

/** The files {@link writeReport} wrote. */
export interface ReportFiles {
  /** `index.html`. */
  html: string;
  /** Every file written, `index.html` included. */
  files: string[];
}

/**
 * Writes a self-contained HTML report (`index.html`: plots inline as SVG, tables, no scripts or
 * external files) with each plot also as `<name>.svg`, `<name>.png` and its Vega-Lite spec
 * `<name>.vl.json` (which a documentation site can embed with vega-embed).
 *
 * @example
 * ```ts
 * await writeReport('runs/a/report', {
 *   title: 'text-classifier', runs: [{ name: 'a', records: await readMetrics('runs/a/metrics.jsonl') }],
 *   confusion: cm, finalMetrics: { test: { accuracy: cm.accuracy(), macroF1: cm.macroF1() } },
 * });
 * ```
 */
export async function writeReport(dir: string, o: ReportOptions): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const figures: string[] = [];
  const plot = async (name: string, caption: string, spec: VegaLiteSpec) => {
    const out = await writePlot(join(dir, name), spec, o.png);
    const specFile = join(dir, `${name}.vl.json`);
    await writeFile(specFile, `${JSON.stringify(spec, null, 1)}\n`);
    files.push(out.svg, out.png, specFile);
    figures.push(
      `<figure>${out.svgText}<figcaption>${esc(caption)} — <a href="${name}.png">PNG</a> · ` +
        `<a href="${name}.svg">SVG</a> · <a href="${name}.vl.json">Vega-Lite spec</a></figcaption></figure>`,
    );
  };
  const hasRecords = o.runs.some((r) => r.records.length > 0);
  if (hasRecords) {
    await plot(
      'curves',
      o.runs.length > 1 ? `learning curves of ${o.runs.map((r) => r.name).join(', ')}` : 'learning curves',
      learningCurvesSpec(o.runs, o.curves),
    );
  }
  if (o.confusion)
    await plot(
      'confusion',
      'confusion matrix (colour: share of the true class)',
      confusionMatrixSpec(o.confusion),
    );

  const sections: string[] = [];
  if (o.finalMetrics && Object.keys(o.finalMetrics).length > 0) {
    const names = [...new Set(Object.values(o.finalMetrics).flatMap((m) => Object.keys(m)))];
    sections.push(
      '<h2>Final metrics</h2>',
      table(
        ['split', ...names],
        Object.entries(o.finalMetrics).map(([split, m]) => [
          split,
          ...names.map((n) => (n in m ? formatValue(m[n]) : '')),
        ]),
      ),
    );
  }
  sections.push(...figures);
  if (o.confusion) {
    const scores = o.confusion.perClass();
    sections.push(
      '<h2>Per class</h2>',
      table(
        ['class', 'precision', 'recall', 'F1', 'support'],
        [
          ...scores.map((c) => [
            c.label,
            formatValue(c.precision),
            formatValue(c.recall),
            formatValue(c.f1),
            String(c.support),
          ]),
          ['macro avg', '', '', formatValue(o.confusion.macroF1()), String(o.confusion.total)],
          ['accuracy', '', '', formatValue(o.confusion.accuracy()), String(o.confusion.total)],
        ],
      ),
    );
  }
  if (o.config) {
    sections.push(
      '<h2>Configuration</h2>',
      table(
        ['option', 'value'],
        Object.entries(o.config)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      ),
    );
  }
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
.notes { color: #555; margin: 0 0 1rem; padding: 0; list-style: none; }
figure { margin: 1.5rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.8rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
</style>
</head>
<body>
<h1>${esc(o.title)}</h1>
<ul class="notes">${(o.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join('')}<li>written ${esc(new Date().toISOString())}</li></ul>
${sections.join('\n')}
</body>
</html>
`;
  const htmlFile = join(dir, 'index.html');
  await writeFile(htmlFile, html);
  files.push(htmlFile);
  return { html: htmlFile, files };
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}
