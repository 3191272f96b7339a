import { processWide } from '../engine/process-state';
import { BackendError } from '../errors';
import type { Backend } from './backend';

/** Creates a backend; may be async (GPU backends must request a device first). */
export type BackendFactory = () => Backend | Promise<Backend>;

interface Entry {
  factory: BackendFactory;
  priority: number;
  instance?: Backend;
}

// One registry per process, shared by every copy of the package (see `processWide`), so a tensor made
// through an ESM import and a module loaded with `require` meet on the same backend instance.
const registry = processWide('backends/v1', () => ({
  entries: new Map<string, Entry>(),
  current: undefined as Backend | undefined,
}));

/**
 * Registers a backend under `name`. Higher `priority` wins in {@link useBestBackend}.
 * Registering a name again replaces the previous factory (an instance already made stays in use by
 * its tensors, but `findBackend` makes a new one).
 */
export function registerBackend(
  name: string,
  factory: BackendFactory,
  options: { priority?: number } = {},
): void {
  registry.entries.set(name, { factory, priority: options.priority ?? 0 });
}

/** Whether a backend is registered under `name`. */
export function hasBackend(name: string): boolean {
  return registry.entries.has(name);
}

/** Names of the registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...registry.entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

/** Returns the initialized backend called `name`, creating it on first use. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = registry.entries.get(name);
  if (!entry) throw unknownBackend(name);
  entry.instance ??= await entry.factory();
  return entry.instance;
}

/** Synchronous lookup: the backend must be registered and already initialized (or synchronous to create). */
export function findBackend(name: string): Backend {
  const entry = registry.entries.get(name);
  if (!entry) throw unknownBackend(name);
  if (!entry.instance) {
    const made = entry.factory();
    if (made instanceof Promise) {
      throw new BackendError(
        `backend "${name}" is not initialized yet: call \`await setBackend('${name}')\` first`,
      );
    }
    entry.instance = made;
  }
  return entry.instance;
}

/** Makes `name` the backend new tensors are created on. */
export async function setBackend(name: string): Promise<Backend> {
  registry.current = await initBackend(name);
  return registry.current;
}

/** Tries registered backends from the highest priority down and selects the first that initializes. */
export async function useBestBackend(): Promise<Backend> {
  const errors: string[] = [];
  for (const name of listBackends()) {
    try {
      return await setBackend(name);
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new BackendError(`no backend could be initialized (${errors.join('; ')})`);
}

/** The backend new tensors are created on (the CPU backend unless `setBackend` chose another). */
export function getBackend(): Backend {
  registry.current ??= findBackend('cpu');
  return registry.current;
}

function unknownBackend(name: string): BackendError {
  return new BackendError(
    `unknown backend "${name}" (registered: ${listBackends().join(', ') || 'none'}); ` +
      `a backend registers itself when its register entry is imported (@rnn's: \`import '@rnn/backend-${name}/register'\`)`,
  );
}

/** @internal The backend called `name` if it has been initialized. */
export function initializedBackend(name: string): Backend | undefined {
  return registry.entries.get(name)?.instance;
}
