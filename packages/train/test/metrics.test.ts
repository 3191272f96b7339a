import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError } from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMetricRecord, type MetricRecord, parseMetricRecords, RunningMean } from '../src';
import { MetricsLog, readMetrics } from '../src/node';

const rec = (step: number, metrics: Record<string, number>, split = 'train'): MetricRecord => ({
  split,
  step,
  epoch: 1,
  time: '2025-01-01T00:00:00.000Z',
  elapsed: step / 10,
  metrics,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-metrics-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('metric records', () => {
  it('are one JSON object per line and read back, non-finite values as null/NaN', () => {
    const a = rec(1, { loss: 0.5, lr: 1e-3 });
    const b = rec(2, { loss: Number.NaN, ppl: Number.POSITIVE_INFINITY }, 'valid');
    const text = formatMetricRecord(a) + formatMetricRecord(b);
    expect(text.split('\n')).toHaveLength(3);
    expect(JSON.parse(text.split('\n')[1]).metrics).toEqual({ loss: null, ppl: null });
    const { records, truncated } = parseMetricRecords(text);
    expect(truncated).toBe(0);
    expect(records[0]).toEqual(a);
    expect(records[1].metrics.loss).toBeNaN();
  });

  it('bad lines are DataFormatErrors with file and line; a cut-short last line may be left out', () => {
    const good = formatMetricRecord(rec(1, { loss: 1 }));
    const bad = (text: string) => () => parseMetricRecords(text, { file: 'm.jsonl' });
    expect(bad(`${good}\n{"split": "train"`)).toThrow(
      /^m\.jsonl:3: expected a JSON object, got invalid JSON/,
    );
    expect(bad(`${good}[1, 2]\n`)).toThrow('m.jsonl:2: expected a metric record, got [1,2]');
    expect(bad(good.replace('"step":1', '"step":"1"'))).toThrow(
      'm.jsonl:1: expected a metric record, got "step": "1" (expected a number)',
    );
    expect(bad(good.replace('{"loss":1}', '{"loss":"x"}'))).toThrow('metric "loss": "x" (expected a number)');
    expect(bad(`${good}{"spl`)).toThrow(DataFormatError);
    const cut = parseMetricRecords(`${good}{"spl`, { allowTruncatedTail: true });
    expect(cut).toMatchObject({ truncated: 1, records: [rec(1, { loss: 1 })] });
    // Only the very last line may be cut short.
    expect(() => parseMetricRecords(`{"spl\n${good}`, { allowTruncatedTail: true })).toThrow(
      /:1: expected a JSON/,
    );
  });

  it('RunningMean weighs values and saves its state', () => {
    const m = new RunningMean();
    expect(m.mean).toBeNaN();
    m.add(1, 3);
    m.add(3, 1);
    expect(m.mean).toBe(1.5);
    const n = new RunningMean();
    n.loadStateDict(m.stateDict());
    expect(n.mean).toBe(1.5);
    m.reset();
    expect(m.weight).toBe(0);
  });
});

describe('MetricsLog', () => {
  it('appends records, continues an existing file, truncates on request, and rewinds to a step', async () => {
    const path = join(dir, 'sub', 'metrics.jsonl');
    let log = new MetricsLog(path);
    log.log(rec(1, { loss: 3 }));
    log.log(rec(2, { loss: 2 }));
    log.close();
    log = new MetricsLog(path); // appends
    log.log(rec(3, { loss: 1 }));
    log.flush();
    expect((await readMetrics(path)).map((r) => r.step)).toEqual([1, 2, 3]);
    await log.rewind(2, []);
    log.log(rec(3, { loss: 0.5 }));
    log.close();
    expect((await readMetrics(path)).map((r) => r.metrics.loss)).toEqual([3, 2, 0.5]);
    expect(() => log.log(rec(4, {}))).toThrow(/is closed/);

    // A crash mid-write leaves a cut-short line: the reader and rewind leave it out.
    writeFileSync(path, readFileSync(path, 'utf8') + '{"split":"tr');
    expect(await readMetrics(path)).toHaveLength(3);
    log = new MetricsLog(path);
    await log.rewind(10, []);
    log.close();
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);

    // Nothing to keep (the file was lost): the history from the checkpoint is written instead.
    log = new MetricsLog(path, { truncate: true });
    await log.rewind(5, [rec(4, { loss: 9 }, 'valid')]);
    log.close();
    expect(await readMetrics(path)).toEqual([rec(4, { loss: 9 }, 'valid')]);
  });

  it('reports a bad line with the file name', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, `${formatMetricRecord(rec(1, { loss: 1 }))}oops\n`);
    await expect(readMetrics(path)).rejects.toThrow(`${path}:2: expected a JSON object, got invalid JSON`);
  });
});
