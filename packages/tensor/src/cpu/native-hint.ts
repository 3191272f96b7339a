import { processWide } from '../engine/process-state';

/**
 * In Node, the CPU backend says once when real work runs on its pure-JavaScript GEMM while no native
 * kernels are plugged in (`@rnn/cpu-native` not imported, or unable to load): the same model then
 * trains many times slower, and nothing else would tell. Counted per GEMM call, never per element:
 * one addition and one comparison.
 */

/** Float32 multiply-adds on the pure-JavaScript GEMM before the hint (a few tenths of a second of work). */
export const NATIVE_HINT_AFTER = 2 ** 28;

const hint = processWide('nativeHint/v1', () => ({ work: 0, done: false }));

/** Counts `m·n·k` float32 multiply-adds done by the pure-JavaScript GEMM; hints once past the threshold. */
export function notePureJsGemm(m: number, n: number, k: number): void {
  if (hint.done) return;
  hint.work += m * n * k;
  if (hint.work >= NATIVE_HINT_AFTER) {
    hint.done = true;
    const message = nativeHintMessage();
    if (message) console.warn(message);
  }
}

/** The hint, or `null` where it does not apply (not Node; pure JavaScript chosen with `RNN_NO_NATIVE`). */
export function nativeHintMessage(): string | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string> } })
    .process;
  if (!proc?.versions?.node) return null;
  const off = proc.env?.RNN_NO_NATIVE;
  if (off && off !== '0') return null;
  return (
    '@rnn/tensor: large float32 matmuls are running on the pure-JavaScript CPU kernels. In Node, the ' +
    'native kernels of @rnn/cpu-native are usually 10-25x faster for training: `npm install ' +
    "@rnn/cpu-native` and `import '@rnn/cpu-native/register'` once (if you do, they could not load " +
    "on this machine: `cpuNativeStatus()` of '@rnn/cpu-native' says why). Set RNN_NO_NATIVE=1 to use the " +
    'JavaScript kernels without this hint.'
  );
}

/** @internal Starts counting again (tests). */
export function resetNativeHint(): void {
  hint.work = 0;
  hint.done = false;
}
