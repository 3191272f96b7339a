/**
 * One engine per process. A program can load `@rnn/tensor` twice (an ESM `import` and a CJS
 * `require` in one process, or two bundles): each copy has its own module-level variables, but they
 * must share the backends, the CPU accelerator, the memory scopes, grad mode and the random generator,
 * or tensors made by one copy would be foreign to the other. Each piece of engine state therefore
 * lives in one slot on `globalThis`, created by whichever copy gets there first.
 *
 * Keys carry a layout version: a copy whose state has another shape uses another key.
 */
const SLOT = Symbol.for('@rnn/tensor.engine');

type Slot = Record<string, unknown>;

/** The process-wide value called `key`, made by `init` the first time any copy asks for it. */
export function processWide<T>(key: string, init: () => T): T {
  const g = globalThis as unknown as Record<symbol, Slot | undefined>;
  let slot = g[SLOT];
  if (!slot) {
    slot = Object.create(null) as Slot;
    Object.defineProperty(globalThis, SLOT, { value: slot, enumerable: false });
  }
  if (!(key in slot)) slot[key] = init();
  return slot[key] as T;
}
