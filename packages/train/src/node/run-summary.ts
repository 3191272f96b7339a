import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@rnn/nn/node';

/** The machine a run ran on. */
export interface MachineInfo {
  /** `os.hostname()`. */
  hostname: string;
  /** `os.platform()`, e.g. `linux`. */
  platform: string;
  /** `os.arch()`, e.g. `x64`. */
  arch: string;
  /** From `/proc/cpuinfo` ("model name") where there is one, else `os.cpus()`. */
  cpuModel: string;
  /** Logical CPUs. */
  cpus: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** Node.js version. */
  node: string;
}

/** Describes this machine (see {@link MachineInfo}). */
export function machineInfo(): MachineInfo {
  let cpuModel = '';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    arch: os.arch(),
    cpuModel: cpuModel || cpus[0]?.model?.trim() || 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** The git commit of `cwd` and whether the work tree had changes; null outside a repository. */
export function gitCommit(cwd = process.cwd()): { commit: string; dirty: boolean } | null {
  try {
    const run = (args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run(['rev-parse', 'HEAD']);
    const dirty = run(['status', '--porcelain', '--untracked-files=no']) !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** What a run reports in its summary. */
export interface RunSummaryInput {
  /** The app, e.g. `rnn-lm`. */
  app: string;
  /** The command line (default `process.argv` without the node executable). */
  command?: string[];
  /** The run's configuration (hyper-parameters). */
  config?: unknown;
  /** The backend it ran on, as `setupBackend` described it. */
  backend?: string;
  /** Seconds the run took (wall clock). */
  wallTime: number;
  /** Final metrics per split, e.g. `{ valid: { accuracy: 0.91 }, test: { accuracy: 0.9 } }`. */
  metrics: Record<string, Record<string, number>>;
  /** Anything else worth recording (epochs run, how training ended, ...). */
  extra?: Record<string, unknown>;
}

/** A run summary as written (see {@link writeRunSummary}). */
export interface RunSummary extends Required<Omit<RunSummaryInput, 'extra' | 'backend' | 'config'>> {
  /** The run's configuration. */
  config?: unknown;
  /** The backend it ran on. */
  backend?: string;
  /** Anything else recorded. */
  extra?: Record<string, unknown>;
  /** When the summary was written, ISO 8601. */
  date: string;
  /** The commit and whether the work tree had changes (null outside a repository). */
  git: { commit: string; dirty: boolean } | null;
  /** The machine. */
  machine: MachineInfo;
}

/**
 * Writes a run summary as JSON (atomically): the command line, the git commit, the machine and CPU
 * model, the wall time, the configuration and the final metrics. Apps commit these under
 * `apps/<name>/results/` as the record of their numbers.
 */
export async function writeRunSummary(path: string, input: RunSummaryInput): Promise<RunSummary> {
  const summary: RunSummary = {
    app: input.app,
    date: new Date().toISOString(),
    command: input.command ?? process.argv.slice(1),
    git: gitCommit(),
    machine: machineInfo(),
    ...(input.backend === undefined ? {} : { backend: input.backend }),
    wallTime: Math.round(input.wallTime * 100) / 100,
    ...(input.config === undefined ? {} : { config: input.config }),
    metrics: input.metrics,
    ...(input.extra === undefined ? {} : { extra: input.extra }),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`));
  return summary;
}
