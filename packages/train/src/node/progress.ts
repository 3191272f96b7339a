import cliProgress from 'cli-progress';
import { formatDuration, formatRate, formatValue } from '../format';
import type { ProgressReporter, ProgressStart } from '../training/types';

/** A writable stream as the progress bar uses it (`process.stdout` by default). */
export interface ProgressStream {
  /** Writes text. */
  write(chunk: string): unknown;
  /** True for a terminal: the bar is then redrawn in place. */
  isTTY?: boolean;
  /** Terminal width. */
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (default `process.stdout`). A TTY gets a bar redrawn in place, anything else plain lines. */
  stream?: ProgressStream;
  /** Seconds between plain lines when the stream is not a TTY (default 10; 0: a line per update). */
  plainInterval?: number;
  /** Clock in milliseconds (default `performance.now`); for tests. */
  now?: () => number;
}

/**
 * A per-epoch progress bar: steps done of the total, the epoch's mean loss, throughput in the
 * unit the app names (`tokens/s`, `pairs/s`), elapsed time and ETA. On a TTY it is a `cli-progress`
 * bar redrawn in place; when the stream is not a TTY (CI logs, pipes) it writes a plain line every
 * `plainInterval` seconds and one at the end of an epoch that wrote any, without escape codes.
 *
 * Updates are synchronous (no timer), so a training loop that never yields still shows progress.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar();
 * bar.start({ total: loader.length, label: 'epoch 1/10', unit: 'tokens' });
 * for (const b of loader) { ...; bar.update(++done, { loss, units: tokensSoFar }); }
 * bar.stop();
 * ```
 */
export class ProgressBar implements ProgressReporter {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly plainInterval: number;
  private readonly now: () => number;
  private bar: cliProgress.SingleBar | undefined;
  private info: { total: number | undefined; done: number; label: string; unit: string } = {
    total: undefined,
    done: 0,
    label: '',
    unit: 'examples',
  };
  private startTime = 0;
  private lastLine = 0;
  private done = 0;
  private values = { loss: Number.NaN, units: 0 };
  private active = false;
  private plainLines = 0;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.tty = this.stream.isTTY === true;
    this.plainInterval = (options.plainInterval ?? 10) * 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts an epoch's display. */
  start(info: ProgressStart): void {
    if (this.active) this.stop();
    this.info = { total: info.total, done: info.done ?? 0, label: info.label, unit: info.unit };
    this.done = this.info.done;
    this.values = { loss: Number.NaN, units: 0 };
    this.startTime = this.now();
    this.lastLine = this.startTime;
    this.plainLines = 0;
    this.active = true;
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream as NodeJS.WritableStream,
          format: (options, params) =>
            this.line(cliProgress.Format.BarFormat(params.progress, options) as string),
          barsize: 24,
          hideCursor: false,
          gracefulExit: false,
          linewrap: false,
          synchronousUpdate: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.info.total ?? 1, Math.min(this.done, this.info.total ?? 0));
    }
  }

  /** Records progress: `done` batches of the epoch, the mean loss so far, units since `start`. */
  update(done: number, values: { loss: number; units: number }): void {
    if (!this.active) return;
    this.done = done;
    this.values = values;
    if (this.bar) {
      this.bar.update(this.info.total === undefined ? 0 : done);
    } else if (this.now() - this.lastLine >= this.plainInterval) {
      this.writePlain();
    }
  }

  /**
   * Ends the epoch's display. Without a TTY, a final plain line is written when the epoch wrote
   * periodic ones; an epoch shorter than `plainInterval` writes none (its summary line says enough).
   */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    if (this.bar) {
      this.bar.update(this.info.total === undefined ? 0 : this.done);
      this.bar.stop();
      this.bar = undefined;
    } else if (this.plainLines > 0) {
      this.writePlain();
    }
  }

  /** Writes a line of text (epoch summaries), after the bar. */
  print(line: string): void {
    if (this.bar) this.stop();
    this.stream.write(`${line}\n`);
  }

  private writePlain(): void {
    this.lastLine = this.now();
    this.plainLines++;
    this.stream.write(`${this.line()}\n`);
  }

  /** The status text; with `bar`, the drawn bar goes after the label. */
  private line(bar?: string): string {
    const { total, label, unit } = this.info;
    const seconds = (this.now() - this.startTime) / 1000;
    const doneHere = this.done - this.info.done;
    const parts = [label];
    if (total !== undefined) {
      const width = String(total).length;
      const pct = total > 0 ? Math.floor((100 * this.done) / total) : 100;
      parts.push(
        `${bar === undefined ? '' : `${bar} `}${String(pct).padStart(3)}% ${String(this.done).padStart(width)}/${total}`,
      );
    } else {
      parts.push(`step ${this.done}`);
    }
    const out = [parts.join(' ')];
    out.push(`loss ${Number.isNaN(this.values.loss) ? '-' : formatValue(this.values.loss)}`);
    out.push(`${seconds > 0 ? formatRate(this.values.units / seconds) : '-'} ${unit}/s`);
    const eta = total !== undefined && doneHere > 0 ? (seconds / doneHere) * (total - this.done) : Number.NaN;
    out.push(
      total === undefined ? formatDuration(seconds) : `${formatDuration(seconds)} < ${formatDuration(eta)}`,
    );
    return out.join(' | ');
  }
}
