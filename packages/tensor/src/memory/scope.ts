import { contextValue } from '../engine/context';
import type { Tensor } from '../tensor';

/**
 * Memory scopes: the fast path of memory management. Without them nothing leaks (a tensor nobody
 * references is reclaimed by the garbage collector), but a scope gives storage back the moment it
 * closes, into the backend's buffer pool, and on GPUs that is the only release that does not wait for
 * the event loop.
 *
 * Every tensor created while a scope is open belongs to the innermost open scope and is disposed when
 * that scope closes, unless it is returned from the scope (then it moves to the enclosing scope) or
 * marked with {@link keep}. Scopes follow the code that opened them: in Node, two `scope(async …)`
 * tasks running concurrently each collect only their own tensors (AsyncLocalStorage); in browsers,
 * concurrent scoped tasks must not interleave (see `ContextValue`).
 */
interface Frame {
  readonly tensors: Tensor[];
  /** The scope that was innermost when this one opened: it receives the survivors. */
  readonly parent: Frame | null;
}

const current = contextValue<Frame | null>('memoryScope/v1', null, 'memory scopes (scope())');

/** @internal Called for every new tensor. */
export function trackTensor(t: Tensor): void {
  current.get()?.tensors.push(t);
}

/** Marks a tensor to survive the scopes it was created in (e.g. optimizer state, model parameters). */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Synchronous scope: runs `fn` and disposes every tensor it created except those in its result. */
export function tidy<T>(fn: () => T): T {
  const frame: Frame = { tensors: [], parent: current.get() };
  let result: T;
  try {
    result = current.runSync(frame, fn);
  } catch (e) {
    close(frame, undefined, CLOSED_TIDY);
    throw e;
  }
  if (isPromise(result)) {
    close(frame, undefined, CLOSED_TIDY);
    throw new TypeError('tidy: the function returned a Promise; use `await scope(async () => ...)` instead');
  }
  close(frame, result, CLOSED_TIDY);
  return result;
}

/**
 * Async-capable scope: `await scope(async () => { ...; await x.data(); ... })`. Tensors created
 * inside (across awaits) are disposed when the returned promise settles, except those in the result.
 */
export async function scope<T>(fn: () => T | Promise<T>): Promise<T> {
  const frame: Frame = { tensors: [], parent: current.get() };
  let result: T;
  try {
    result = await current.run(frame, fn);
  } catch (e) {
    close(frame, undefined, CLOSED_SCOPE);
    throw e;
  }
  close(frame, result, CLOSED_SCOPE);
  return result;
}

/** What a later use of a tensor a scope disposed is told. */
const closed = (name: string) =>
  `the ${name} it was created in closed (return it from the scope, or keep() it, to use it afterwards)`;
const CLOSED_TIDY = closed('tidy()');
const CLOSED_SCOPE = closed('scope()');

function close(frame: Frame, result: unknown, disposedBy: string): void {
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, 0);
  const parent = frame.parent;
  for (const t of frame.tensors) {
    if (survivors.has(t) || t.kept) {
      if (parent && !t.kept) parent.tensors.push(t);
    } else {
      t.disposeBecause(disposedBy);
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
