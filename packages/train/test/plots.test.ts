import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfusionMatrix, confusionMatrixSpec, learningCurvesSpec, type MetricRecord } from '../src';
import { renderPng, renderSvg, writePlot, writeReport } from '../src/node';
import { checkXml } from './helpers/xml';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-plots-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Records of a run whose losses fall: train every step, valid every 4 steps. */
function records(scale: number): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (let step = 1; step <= 12; step++) {
    const r = { step, epoch: Math.ceil(step / 4), time: '', elapsed: step };
    out.push({ ...r, split: 'train', metrics: { loss: scale / step, lr: 0.1 } });
    if (step % 4 === 0)
      out.push({ ...r, split: 'valid', metrics: { loss: (scale * 1.2) / step, accuracy: step / 12 } });
  }
  return out;
}

/** PNG signature, then the IHDR chunk's width and height. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(Buffer.from(png.subarray(12, 16)).toString('latin1')).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('plots', () => {
  it('learning curves of several runs: one panel per metric, runs by colour, evaluations dashed', () => {
    const spec = learningCurvesSpec([
      { name: 'plain', records: records(1) },
      { name: 'layer norm', records: records(0.5) },
    ]);
    expect(spec.$schema).toMatch(/vega-lite\/v6/);
    const panels = spec.hconcat as {
      title: string;
      layer: { encoding: Record<string, { field: string }> }[];
    }[];
    expect(panels.map((p) => p.title)).toEqual(['loss', 'accuracy']);
    expect(panels[0].layer[0].encoding.color.field).toBe('run');
    expect(panels[0].layer[1].encoding.strokeDash.field).toBe('split');
    const values = (spec.data as { values: { run: string; metric: string }[] }).values;
    expect(values.filter((v) => v.run === 'plain' && v.metric === 'loss')).toHaveLength(15);
    const one = learningCurvesSpec([{ name: 'a', records: records(1) }], { metrics: ['loss'], x: 'epoch' });
    const panel = (one.hconcat as { layer: { encoding: Record<string, { field: string }> }[] }[])[0];
    expect([panel.layer[0].encoding.color.field, panel.layer[0].encoding.x.field]).toEqual([
      'split',
      'epoch',
    ]);
    expect(() => learningCurvesSpec([{ name: 'a', records: [] }])).toThrow(/no metric to draw/);
  });

  it('renders a confusion matrix with its class names to a valid SVG and a PNG', async () => {
    const cm = new ConfusionMatrix(['finance', 'sports', 'politics']);
    cm.add([0, 1, 1, 2, 2, 0], [0, 1, 1, 2, 1, 2]);
    const files = await writePlot(join(dir, 'plots', 'confusion'), confusionMatrixSpec(cm));
    const svg = readFileSync(files.svg, 'utf8');
    const { root, texts } = checkXml(svg);
    expect(root).toBe('svg');
    for (const name of ['finance', 'sports', 'politics', 'predicted', 'true class', 'confusion matrix']) {
      expect(texts).toContain(name);
    }
    expect(texts).toContain('2'); // the count of sports predicted as sports
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    const png = new Uint8Array(readFileSync(files.png));
    expect(pngSize(png)).toMatchObject({ width: 2 * width });
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('draws text: the rasterizer finds a font', async () => {
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"></svg>';
    const text = blank.replace(
      '></svg>',
      '><text x="5" y="28" font-size="24" font-family="sans-serif">Loss</text></svg>',
    );
    const dark = (svg: string) => {
      const { pixels } = new Resvg(svg, { background: 'white' }).render();
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) n++;
      return n;
    };
    expect(dark(blank)).toBe(0);
    expect(dark(text)).toBeGreaterThan(50);
    // And through renderPng, as the reports do: a chart's PNG differs from the same chart without its text.
    const svg = await renderSvg(
      learningCurvesSpec([{ name: 'a', records: records(1) }], { metrics: ['loss'] }),
    );
    expect(renderPng(svg)).not.toEqual(renderPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, '')));
  });

  it('writes a self-contained HTML report with the plots inline, as files, and as Vega-Lite specs', async () => {
    const cm = new ConfusionMatrix(['a', 'b']);
    cm.add([0, 1, 1], [0, 1, 0]);
    const report = await writeReport(join(dir, 'report'), {
      title: 'demo <run>',
      notes: ['cpu backend'],
      runs: [
        { name: 'plain', records: records(1) },
        { name: 'ln', records: records(0.5) },
      ],
      confusion: cm,
      finalMetrics: { test: { accuracy: cm.accuracy(), macroF1: cm.macroF1() } },
      config: { lr: 0.1, hidden: 32, data: undefined },
    });
    const names = report.files.map((f) => f.slice(dir.length + 8));
    expect(names).toEqual([
      'curves.svg',
      'curves.png',
      'curves.vl.json',
      'confusion.svg',
      'confusion.png',
      'confusion.vl.json',
      'index.html',
    ]);
    const html = readFileSync(report.html, 'utf8');
    expect(html).toContain('<title>demo &lt;run&gt;</title>');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('<td>macro avg</td>');
    expect(html).toContain('<td>0.6667</td>'); // accuracy in the final metrics table
    expect(JSON.parse(readFileSync(join(dir, 'report', 'curves.vl.json'), 'utf8')).$schema).toMatch(
      /vega-lite/,
    );
    for (const png of report.files.filter((f) => f.endsWith('.png')))
      pngSize(new Uint8Array(readFileSync(png)));
  });
});
