import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@rnn/nn/node';
import { ValueError } from '@rnn/tensor';
import { formatMetricRecord, type MetricRecord, parseMetricRecords } from '../metrics/record';
import type { MetricsSink } from '../training/types';

/** Options of {@link MetricsLog}. */
export interface MetricsLogOptions {
  /** Start a new log, replacing a file already there (default false: append to it). */
  truncate?: boolean;
}

/**
 * Metric records appended to a JSON-lines file, one record per line (see `MetricRecord`). The file is
 * opened in append mode and each record is written with a single `write` call, so lines from a
 * crash are never interleaved and at most the last line can be cut short (the reader can leave it
 * out). Read it back with {@link readMetrics}, or with `pandas.read_json(path, lines=True)`.
 *
 * @example
 * ```ts
 * const log = new MetricsLog('runs/a/metrics.jsonl', { truncate: true });
 * log.log({ split: 'valid', step: 400, epoch: 2, time: new Date().toISOString(), elapsed: 61.2,
 *           metrics: { loss: 0.41, accuracy: 0.87 } });
 * log.close();
 * ```
 */
export class MetricsLog implements MetricsSink {
  /** The file written. */
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string, options: MetricsLogOptions = {}) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, options.truncate ? 'w' : 'a');
  }

  /** Appends one record. */
  log(record: MetricRecord): void {
    if (this.fd === undefined) throw new ValueError(`MetricsLog: ${this.path} is closed`);
    writeSync(this.fd, formatMetricRecord(record));
  }

  /**
   * Keeps only the records up to `step` (a run resuming from a checkpoint at `step` logs the later
   * ones again), rewriting the file atomically; when the file holds none, writes `history` instead.
   */
  async rewind(step: number, history: readonly MetricRecord[]): Promise<void> {
    const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
    const { records } = parseMetricRecords(text, { file: this.path, allowTruncatedTail: true });
    let kept = records.filter((r) => r.step <= step);
    if (kept.length === 0) kept = [...history];
    this.close();
    await writeFileAtomic(this.path, new TextEncoder().encode(kept.map(formatMetricRecord).join('')));
    this.fd = openSync(this.path, 'a');
  }

  /** Flushes the file to disk. */
  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a metrics file written by {@link MetricsLog}. A bad line is a `DataFormatError` naming the
 * file and line; a last line cut short by a crash is left out.
 */
export async function readMetrics(path: string): Promise<MetricRecord[]> {
  return parseMetricRecords(await readFile(path, 'utf8'), { file: path, allowTruncatedTail: true }).records;
}
