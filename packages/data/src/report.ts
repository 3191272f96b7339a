import { DataFormatError } from './errors';

/** One record that a reader skipped because `skipInvalid` was set. */
export interface DataIssue {
  file: string;
  line: number;
  /** The message the `DataFormatError` would have had. */
  message: string;
}

/**
 * What a reader did: how many lines it read, how many records it returned and how many it skipped
 * (only with `skipInvalid: true`; otherwise the first problem throws). `issues` keeps the first
 * {@link MAX_ISSUES} skipped records with their messages; `skipped` counts all of them.
 */
export interface DataReport {
  file: string;
  /** Lines read (the last line number seen). */
  lines: number;
  /** Records returned. */
  records: number;
  /** Invalid records skipped (always 0 unless `skipInvalid`). */
  skipped: number;
  /** The first skipped records and why. */
  issues: DataIssue[];
}

/** How many skipped records a report keeps with their message. */
export const MAX_ISSUES = 100;

/** Options every reader takes. */
export interface ReadOptions {
  /** Name used in messages (`file:line: …`); the path for the file readers, `<input>` by default. */
  file?: string;
  /**
   * Skip invalid records instead of throwing, and count them in the report. Empty input still
   * throws: there is nothing to skip to.
   */
  skipInvalid?: boolean;
}

/** @internal Collects problems: throws at once, or records a skip when `skipInvalid` is set. */
export class IssueSink {
  readonly report: DataReport;
  private readonly skip: boolean;

  constructor(file: string, skipInvalid = false) {
    this.report = { file, lines: 0, records: 0, skipped: 0, issues: [] };
    this.skip = skipInvalid;
  }

  get file(): string {
    return this.report.file;
  }

  /** Reports an invalid record: throws unless skipping, in which case it is counted. */
  invalid(line: number, detail: string): void {
    const error = new DataFormatError(this.report.file, line, detail);
    if (!this.skip) throw error;
    this.skipError(error);
  }

  /** Records an error as a skipped record (rethrows when not skipping). */
  skipError(error: DataFormatError): void {
    if (!this.skip) throw error;
    this.report.skipped++;
    if (this.report.issues.length < MAX_ISSUES) {
      this.report.issues.push({ file: error.file, line: error.line, message: error.message });
    }
  }

  /** Throws for input with no records at all, which no option can make useful. */
  requireContent(what: string): void {
    if (this.report.lines === 0 || (this.report.records === 0 && this.report.skipped === 0)) {
      throw new DataFormatError(
        this.report.file,
        Math.max(1, this.report.lines),
        `expected at least one ${what}, got ${this.report.lines === 0 ? 'an empty file' : 'none'}`,
      );
    }
  }
}
