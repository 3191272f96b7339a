/** Options of {@link interruptSignal}. */
export interface InterruptOptions {
  /** Signals to catch (default SIGINT and SIGTERM). */
  signals?: readonly NodeJS.Signals[];
  /** Where the notice of a second signal goes (default `process.stderr`); null for none. */
  stream?: {
    /** Writes `s` as is (it ends its lines itself). */
    write(s: string): unknown;
  } | null;
}

/** What {@link interruptSignal} returns. */
export interface InterruptHandle {
  /** Aborted, with the signal's name as `reason`, on the first signal. */
  readonly signal: AbortSignal;
  /** Restores the default handling of the signals. */
  dispose(): void;
}

/** The conventional exit status of a process stopped by `signal` (128 + its number): SIGINT 130, SIGTERM 143. */
export function signalExitCode(signal: unknown): number {
  const n = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 }[String(signal)];
  return n === undefined ? 1 : 128 + n;
}

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into an `AbortSignal`, so a training loop can stop cleanly after
 * the current step and write a checkpoint (`fit` does, given `signal`, and says so). A second signal
 * exits at once (checkpoints are written atomically, so even then none is left half-written).
 *
 * The loop must yield to the event loop now and then for the handler to run (`fit` does every 50 ms),
 * which is also when it notices the signal: the first one prints nothing by itself, so it cannot
 * garble a progress bar.
 *
 * @example
 * ```ts
 * const interrupt = interruptSignal();
 * const result = await fit({ ..., signal: interrupt.signal });
 * interrupt.dispose();
 * if (result.status === 'interrupted') process.exitCode = signalExitCode(result.reason);
 * ```
 */
export function interruptSignal(options: InterruptOptions = {}): InterruptHandle {
  const controller = new AbortController();
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const stream = options.stream === undefined ? process.stderr : options.stream;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stream?.write(`\n${sig} again: exiting now\n`);
      process.exit(signalExitCode(sig));
    }
    controller.abort(sig);
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
