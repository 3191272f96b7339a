let enabled = true;

/** Whether operations currently record the autograd graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording gradients (like `torch.no_grad()`). Works with async functions:
 * recording resumes when the returned promise settles.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    return (result as unknown as Promise<unknown>).finally(() => {
      enabled = prev;
    }) as T;
  }
  enabled = prev;
  return result;
}
