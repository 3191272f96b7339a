import { readFile } from 'node:fs/promises';
import type { RunSummary } from '@rnn/train/node';
import { VARIANT_NAMES, type Variant } from './training';

/** Mean, sample standard deviation, minimum and maximum. */
export function spread(xs: readonly number[]): {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
} {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}

const pct = (x: number) => (x * 100).toFixed(2);
const fmt = (xs: number[], scale = 100, digits = 2) => {
  const s = spread(xs);
  const f = (x: number) => (x * scale).toFixed(digits);
  return `${f(s.mean)} ± ${f(s.std)} (${f(s.min)}–${f(s.max)})`;
};

/**
 * Markdown tables of run summaries grouped by model variant: test and valid accuracy over the runs
 * (seeds), and for the REINFORCE runs the test trees' statistics.
 */
export async function summarizeRuns(files: readonly string[]): Promise<string> {
  const runs: { file: string; s: RunSummary & { extra?: Record<string, unknown> } }[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const s = JSON.parse(await readFile(file, 'utf8'));
    // Only run summaries (written by `train`): e.g. the bench's JSON beside them is left out.
    if (s?.app === 'spinn' && s.metrics) runs.push({ file, s });
    else skipped.push(file);
  }
  const groups = new Map<string, typeof runs>();
  for (const r of runs) {
    const v = String(r.s.extra?.variant ?? 'unknown');
    groups.set(v, [...(groups.get(v) ?? []), r]);
  }
  const lines = [
    '| model | runs (seeds) | test accuracy % (mean ± sd, min–max) | valid accuracy % | epochs | wall time per run |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [v, rs] of groups) {
    const seeds = rs.map((r) => (r.s.config as { seed?: number })?.seed ?? '?').join(', ');
    const test = rs.map((r) => r.s.metrics.test?.accuracy ?? Number.NaN);
    const valid = rs.map((r) => r.s.metrics.valid?.accuracy ?? Number.NaN);
    const epochs = rs.map((r) => Number(r.s.extra?.bestEpoch ?? Number.NaN));
    const wall = spread(rs.map((r) => r.s.wallTime));
    lines.push(
      `| ${VARIANT_NAMES[v as Variant] ?? v} | ${rs.length} (${seeds}) | ${fmt(test)} | ${fmt(valid)} | ` +
        `best at ${epochs.join(', ')} | ${(wall.mean / 60).toFixed(1)} min |`,
    );
  }
  const rl = runs.filter((r) => r.s.extra?.testTrees);
  if (rl.length > 0) {
    const tree = (r: (typeof runs)[number]) => r.s.extra!.testTrees as Record<string, number>;
    lines.push(
      '',
      '| test trees of the REINFORCE runs | mean ± sd (min–max) over runs |',
      '| --- | --- |',
      `| REDUCE among all transitions % | ${fmt(rl.map((r) => tree(r).reduceFraction))} |`,
      `| REDUCE among free choices % (0 = right-branching, 100 = left-branching) | ${fmt(rl.map((r) => tree(r).freeReduceFraction))} |`,
      `| mean tree depth (words) | ${fmt(
        rl.map((r) => tree(r).meanDepth),
        1,
      )} |`,
      `| mean depth / deepest possible | ${fmt(
        rl.map((r) => tree(r).meanNormalisedDepth),
        1,
        3,
      )} |`,
      `| unlabelled span F1 vs the parser % | ${fmt(rl.map((r) => tree(r).spanF1))} |`,
      `| trees identical to the parser's % | ${fmt(rl.map((r) => tree(r).identicalTrees))} |`,
    );
    const ref = rl[0].s.extra?.referenceTrees as Record<string, Record<string, number>> | undefined;
    if (ref) {
      lines.push(
        '',
        '| reference trees on test | REDUCE among free choices % | mean depth | span F1 vs parser % |',
        '| --- | --- | --- | --- |',
      );
      for (const [name, t] of Object.entries(ref)) {
        lines.push(
          `| ${name} | ${pct(t.freeReduceFraction)} | ${t.meanDepth.toFixed(2)} | ${pct(t.spanF1)} |`,
        );
      }
    }
  }
  if (skipped.length > 0) lines.push('', `(not run summaries, left out: ${skipped.join(', ')})`);
  return lines.join('\n');
}
