import { processWide } from './process-state';

/** The part of Node's `AsyncLocalStorage` this module uses. */
interface AsyncStore<T> {
  run<R>(value: T, fn: () => R): R;
  getStore(): T | undefined;
}

type AsyncStoreClass = new <T>() => AsyncStore<T>;

/**
 * A value that follows the code that runs, like a thread-local in PyTorch: the innermost memory
 * scope, whether autograd records. {@link ContextValue.run} sets it for one call:
 *
 * - the synchronous part of the call sees it (a stack: synchronous code never interleaves);
 * - in Node (and runtimes with `process.getBuiltinModule`), the async continuations the call starts
 *   see it too, through `AsyncLocalStorage`, so two concurrent tasks that each set a value never see
 *   each other's;
 * - where there is no `AsyncLocalStorage` (browsers), values set by calls that are still pending form
 *   one stack shared by all tasks: concurrent tasks that interleave see the most recent one. `run`
 *   reports such an interleaving once, with `console.warn`.
 */
export class ContextValue<T> {
  private readonly sync: T[] = [];
  private readonly pending: T[] = [];
  private store: AsyncStore<T> | null | undefined;
  /** Calls of `run` through the AsyncLocalStorage whose promise has not settled: none, no lookup. */
  private active = 0;
  private warned = false;

  constructor(
    private readonly root: T,
    private readonly what: string,
  ) {}

  /** The value for the code running now. */
  get(): T {
    const n = this.sync.length;
    if (n > 0) return this.sync[n - 1];
    if (this.active > 0) {
      const v = this.store!.getStore();
      if (v !== undefined) return v;
    }
    const p = this.pending.length;
    return p > 0 ? this.pending[p - 1] : this.root;
  }

  /** Runs `fn` with the value set, for its synchronous part only (`fn` must not return a promise). */
  runSync<R>(value: T, fn: () => R): R {
    this.sync.push(value);
    try {
      return fn();
    } finally {
      this.sync.pop();
    }
  }

  /**
   * Runs `fn` with the value set for its synchronous part and for every async continuation it starts,
   * until the promise it returns settles (a continuation that outlives it sees the enclosing value).
   */
  run<R>(value: T, fn: () => R): R {
    const store = this.asyncStore();
    this.sync.push(value);
    if (store) this.active++;
    let result: R;
    try {
      result = store ? store.run(value, fn) : fn();
    } catch (e) {
      if (store) this.active--;
      throw e;
    } finally {
      this.sync.pop();
    }
    if (!isPromise(result)) {
      if (store) this.active--;
      return result;
    }
    if (store) {
      return result.finally(() => {
        this.active--;
      }) as R;
    }
    this.pending.push(value);
    return result.finally(() => this.leave(value)) as R;
  }

  /** Without AsyncLocalStorage: the call that set `value` has settled. */
  private leave(value: T): void {
    const i = this.pending.lastIndexOf(value);
    if (i < 0) return;
    if (i !== this.pending.length - 1 && !this.warned) {
      this.warned = true;
      console.warn(
        `@rnn/tensor: ${this.what} of concurrent async tasks interleaved, and this runtime has no ` +
          'AsyncLocalStorage to keep them apart: while both ran, each saw the one set last. ' +
          'Run such tasks one after the other (or in Node, where they are kept apart).',
      );
    }
    this.pending.splice(i, 1);
  }

  private asyncStore(): AsyncStore<T> | null {
    if (this.store === undefined) {
      const Store = asyncLocalStorageClass();
      this.store = Store ? new Store<T>() : null;
    }
    return this.store;
  }
}

/** Node's `AsyncLocalStorage`, found without a static import so that browser bundles stay clean. */
function asyncLocalStorageClass(): AsyncStoreClass | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const hooks = proc?.getBuiltinModule?.('node:async_hooks') as
    | { AsyncLocalStorage?: AsyncStoreClass }
    | undefined;
  return hooks?.AsyncLocalStorage ?? null;
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** A process-wide {@link ContextValue} (shared by every copy of the package, see `processWide`). */
export function contextValue<T>(key: string, root: T, what: string): ContextValue<T> {
  return processWide(key, () => new ContextValue(root, what));
}
