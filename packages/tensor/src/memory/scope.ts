import type { Tensor } from '../tensor';

/**
 * Memory scopes. Every tensor created while a scope is open belongs to the innermost open scope and
 * is disposed when that scope closes, unless it is returned from the scope (then it moves to the
 * parent) or marked with {@link keep}.
 *
 * Scopes are a stack, not tied to the call stack, so an `async` function can `await` inside one.
 * Interleaving two scoped async tasks concurrently attributes tensors to whichever scope is innermost;
 * run concurrent tasks in their own `scope` only if they do not overlap, or `keep` what must survive.
 */
class Scope {
  readonly tensors: Tensor[] = [];
}

const stack: Scope[] = [];

/** @internal Called for every new tensor. */
export function trackTensor(t: Tensor): void {
  const top = stack[stack.length - 1];
  if (top) top.tensors.push(t);
}

/** Marks a tensor to survive the scopes it was created in (e.g. optimizer state, model parameters). */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Synchronous scope: runs `fn` and disposes every tensor it created except those in its result. */
export function tidy<T>(fn: () => T): T {
  const s = open();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    close(s, undefined);
    throw e;
  }
  if (isPromise(result)) {
    close(s, undefined);
    throw new TypeError('tidy: the function returned a Promise; use `await scope(async () => ...)` instead');
  }
  close(s, result);
  return result;
}

/**
 * Async-capable scope: `await scope(async () => { ...; await x.data(); ... })`. Tensors created
 * inside (across awaits) are disposed when the returned promise settles, except those in the result.
 */
export async function scope<T>(fn: () => T | Promise<T>): Promise<T> {
  const s = open();
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    close(s, undefined);
    throw e;
  }
  close(s, result);
  return result;
}

function open(): Scope {
  const s = new Scope();
  stack.push(s);
  return s;
}

function close(s: Scope, result: unknown): void {
  const i = stack.lastIndexOf(s);
  if (i >= 0) stack.splice(i, 1);
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, 0);
  const parent = stack[stack.length - 1];
  for (const t of s.tensors) {
    if (survivors.has(t) || t.kept) {
      if (parent && !t.kept) parent.tensors.push(t);
    } else {
      t.dispose();
    }
  }
}

function collectTensors(v: unknown, out: Set<Tensor>, depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 8) return;
  if (isTensorLike(v)) {
    out.add(v as Tensor);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collectTensors(x, out, depth + 1);
  else if (v instanceof Map) for (const x of v.values()) collectTensors(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collectTensors(x, out, depth + 1);
  }
}

function isTensorLike(v: object): boolean {
  return (v as { isTensor?: unknown }).isTensor === true;
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
