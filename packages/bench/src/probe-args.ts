/** The flags of `probe.js` (see `probe.ts`). */
export interface ProbeArgs {
  /** Workload id, upper case. */
  workload: string;
  steps: number;
  warmup: number;
  quick: boolean;
  /** List the GEMM's products by shape. */
  shapes: boolean;
  /** Also write them to this file (empty: do not). */
  shapesFile: string;
}

export const PROBE_USAGE =
  'usage: node dist/probe.js [--workload A|B|C|D] [--steps N] [--warmup N] [--quick] [--shapes [FILE]]';

/**
 * Parses probe's flags strictly: a typo or a bad number is an error naming it, not a silent run with
 * the defaults. `--shapes` takes an optional FILE (the next argument, unless it is a flag).
 */
export function parseProbeArgs(
  argv: string[],
  isWorkload: (id: string) => boolean,
): ProbeArgs | { error: string } | 'help' {
  const out: ProbeArgs = { workload: 'D', steps: 4, warmup: 3, quick: false, shapes: false, shapesFile: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a === '--workload') {
      if (next === undefined || !isWorkload(next.toUpperCase()))
        return { error: `--workload is A, B, C or D, got ${next ?? 'nothing'}` };
      out.workload = next.toUpperCase();
      i++;
    } else if (a === '--steps' || a === '--warmup') {
      const min = a === '--steps' ? 1 : 0;
      const n = Number(next);
      if (next === undefined || next === '' || !Number.isInteger(n) || n < min)
        return { error: `${a} needs an integer ≥ ${min}, got ${next ?? 'nothing'}` };
      if (a === '--steps') out.steps = n;
      else out.warmup = n;
      i++;
    } else if (a === '--quick') out.quick = true;
    else if (a === '--shapes') {
      out.shapes = true;
      if (next !== undefined && !next.startsWith('--')) {
        out.shapesFile = next;
        i++;
      }
    } else if (a === '-h' || a === '--help') return 'help';
    else return { error: `unknown argument ${a}` };
  }
  return out;
}
