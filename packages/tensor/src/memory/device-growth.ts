import type { Backend } from '../backend/backend';
import { processWide } from '../engine/process-state';
import { stats } from './data-ref';

/** Consecutive `backward()` calls without an event-loop turn, and growth, before the warning. */
const STEPS = 8;
const MIN_GROWTH_BYTES = 64 * 2 ** 20;

interface Watch {
  warned: boolean;
  /** A macrotask is scheduled and has not run since the last `backward()`. */
  turnPending: boolean;
  /** Per backend: live bytes when the current run of synchronous steps began, and its length. */
  runs: Map<string, { startBytes: number; steps: number }>;
}

const watch = processWide<Watch>('deviceGrowth/v1', () => ({
  warned: false,
  turnPending: false,
  runs: new Map(),
}));

/**
 * Called after each `backward()`. Device memory (GPU buffers) of tensors nobody disposed comes back
 * only when the collector's callbacks run, between event-loop tasks; a loop that never yields can
 * therefore not be bounded without a scope. When live bytes on a device backend grow over
 * {@link STEPS} steps with no task boundary in between, this says so once, naming the fix.
 */
export function watchDeviceMemory(backend: Backend): void {
  if (backend.memoryKind !== 'device' || watch.warned) return;
  const synchronous = watch.turnPending;
  if (!watch.turnPending) {
    watch.turnPending = true;
    const timer = setTimeout(() => {
      watch.turnPending = false;
    }, 0) as unknown as { unref?: () => void };
    timer.unref?.();
  }
  const bytes = stats(backend.name).bytes;
  const run = watch.runs.get(backend.name);
  if (!synchronous || !run || bytes < run.startBytes) {
    watch.runs.set(backend.name, { startBytes: bytes, steps: 0 });
    return;
  }
  run.steps++;
  if (run.steps >= STEPS && bytes - run.startBytes >= MIN_GROWTH_BYTES) {
    watch.warned = true;
    console.warn(
      `@rnn/tensor: live memory on backend "${backend.name}" grew from ${mb(run.startBytes)} to ${mb(bytes)} ` +
        `over ${run.steps} backward() calls in a loop that never yields to the event loop. GPU memory of ` +
        'tensors you do not dispose is freed only between event-loop tasks: wrap each step in ' +
        '`tidy(() => { ... })` (or `await scope(async () => { ... })`), or `await` something each step ' +
        '(e.g. `await loss.item()`).',
    );
  }
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
