import { DataFormatError } from '@rnn/tensor';

/**
 * One line of a metrics log: a logged training step or an evaluation. `split` says which (`'train'`,
 * `'valid'`, `'test'`, or any name); `metrics` holds every number measured then (`loss`, `accuracy`,
 * `lr`, `tokens_per_s`, ...). Non-finite values are written as `null` and read back as `NaN`.
 */
export interface MetricRecord {
  /** What was measured: `'train'` for training steps, the split's name for evaluations. */
  split: string;
  /** Optimizer steps done when the record was made (1-based, counted over the whole run). */
  step: number;
  /** The epoch the step belongs to (1-based). */
  epoch: number;
  /** Wall-clock time, ISO 8601 (UTC). */
  time: string;
  /** Seconds of training since the run began, resumed runs included (pauses excluded). */
  elapsed: number;
  /** The measured values, by name. */
  metrics: Record<string, number>;
}

/** Serializes a record as one JSON line (with the trailing newline). */
export function formatMetricRecord(record: MetricRecord): string {
  const metrics: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(record.metrics)) metrics[k] = Number.isFinite(v) ? v : null;
  return `${JSON.stringify({ ...record, metrics })}\n`;
}

/** Options of {@link parseMetricRecords}. */
export interface ParseMetricsOptions {
  /** Name used in error messages (default `'metrics'`). */
  file?: string;
  /**
   * Leave out a last line that has no newline and is not valid JSON (a write cut short by a crash),
   * counting it in `truncated` (default false: it is an error like any other bad line).
   */
  allowTruncatedTail?: boolean;
}

/** What {@link parseMetricRecords} read. */
export interface ParsedMetrics {
  /** The records, in file order. */
  records: MetricRecord[];
  /** 1 when a cut-short last line was left out (see `allowTruncatedTail`), else 0. */
  truncated: number;
}

/**
 * Parses JSON lines written by {@link formatMetricRecord} (blank lines are allowed). A line that is
 * not such a record is a `DataFormatError` naming the file and line.
 */
export function parseMetricRecords(text: string, options: ParseMetricsOptions = {}): ParsedMetrics {
  const file = options.file ?? 'metrics';
  const lines = text.split('\n');
  const records: MetricRecord[] = [];
  let truncated = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const last = i === lines.length - 1; // no newline after it
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (last && options.allowTruncatedTail) {
        truncated = 1;
        break;
      }
      throw new DataFormatError(
        file,
        i + 1,
        `expected a JSON object, got invalid JSON (${(e as Error).message})`,
      );
    }
    records.push(checkRecord(value, file, i + 1));
  }
  return { records, truncated };
}

function checkRecord(value: unknown, file: string, line: number): MetricRecord {
  const fail = (what: string): never => {
    throw new DataFormatError(file, line, `expected a metric record, got ${what}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(JSON.stringify(value));
  const r = value as Record<string, unknown>;
  if (typeof r.split !== 'string') fail(`"split": ${JSON.stringify(r.split)} (expected a string)`);
  for (const k of ['step', 'epoch', 'elapsed'] as const) {
    if (typeof r[k] !== 'number') fail(`"${k}": ${JSON.stringify(r[k])} (expected a number)`);
  }
  if (typeof r.time !== 'string') fail(`"time": ${JSON.stringify(r.time)} (expected a string)`);
  const m = r.metrics;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail(`"metrics": ${JSON.stringify(m)}`);
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    if (v !== null && typeof v !== 'number') fail(`metric "${k}": ${JSON.stringify(v)} (expected a number)`);
    metrics[k] = v === null ? Number.NaN : (v as number);
  }
  return {
    split: r.split as string,
    step: r.step as number,
    epoch: r.epoch as number,
    time: r.time as string,
    elapsed: r.elapsed as number,
    metrics,
  };
}
