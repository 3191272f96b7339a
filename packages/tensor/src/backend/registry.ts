import { createCpuBackend } from '../cpu/cpu-backend';
import { BackendError } from '../errors';
import type { Backend } from './backend';

/** Creates a backend; may be async (GPU backends must request a device first). */
export type BackendFactory = () => Backend | Promise<Backend>;

interface Entry {
  factory: BackendFactory;
  priority: number;
  instance?: Backend;
}

const entries = new Map<string, Entry>();
let current: Backend | undefined;

// The CPU backend is built in: always there, the default, and the fallback of useBestBackend.
entries.set('cpu', { factory: () => createCpuBackend(), priority: 0 });

/**
 * Registers a backend under `name`. Higher `priority` wins in {@link useBestBackend}.
 * Registering a name again replaces the previous factory.
 */
export function registerBackend(
  name: string,
  factory: BackendFactory,
  options: { priority?: number } = {},
): void {
  entries.set(name, { factory, priority: options.priority ?? 0 });
}

/** Names of the registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

/** Returns the initialized backend called `name`, creating it on first use. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = entries.get(name);
  if (!entry) throw unknownBackend(name);
  entry.instance ??= await entry.factory();
  return entry.instance;
}

/** Synchronous lookup: the backend must be registered and already initialized (or synchronous to create). */
export function findBackend(name: string): Backend {
  const entry = entries.get(name);
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
  current = await initBackend(name);
  return current;
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
  current ??= findBackend('cpu');
  return current;
}

function unknownBackend(name: string): BackendError {
  return new BackendError(
    `unknown backend "${name}" (registered: ${listBackends().join(', ') || 'none'}); ` +
      'import the backend package so that it registers itself',
  );
}

/** @internal The backend called `name` if it has been initialized. */
export function initializedBackend(name: string): Backend | undefined {
  return entries.get(name)?.instance;
}
