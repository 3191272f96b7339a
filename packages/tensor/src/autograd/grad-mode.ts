import { contextValue } from '../engine/context';

// Per task in Node (AsyncLocalStorage): `await noGrad(async () => evaluate())` in one task does not
// turn recording off for a training step running concurrently in another.
const gradMode = contextValue('gradMode/v1', true, 'noGrad()/enableGrad()');

/** Whether operations currently record the autograd graph. */
export function isGradEnabled(): boolean {
  return gradMode.get();
}

/**
 * Runs `fn` without recording gradients (like `torch.no_grad()`). Works with async functions: the
 * async continuations of `fn` run without recording too, and other tasks are not affected (in Node;
 * see the memory guide for browsers).
 */
export function noGrad<T>(fn: () => T): T {
  return gradMode.run(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return gradMode.run(true, fn);
}

/** @internal `noGrad` for synchronous engine code (no async context to carry). */
export function noGradSync<T>(fn: () => T): T {
  return gradMode.runSync(false, fn);
}
