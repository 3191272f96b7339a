import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackendError, getBackend, hasBackend, setBackend, setCpuAccelerator } from '@rnn/tensor';

/** The backends an app's `--backend` flag offers. */
export const BACKEND_NAMES = ['cpu', 'webgpu', 'cuda'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What {@link setupBackend} set up. */
export interface BackendSetup {
  /** The backend now in use. */
  name: string;
  /** For people and run summaries, e.g. `cpu (cpu-native avx512, 2 threads)`. */
  description: string;
}

/** Options of {@link setupBackend}. */
export interface SetupBackendOptions {
  /** Plug in `@rnn/cpu-native`'s kernels when they load (default true; `RNN_NO_NATIVE=1` also disables them). */
  native?: boolean;
  /**
   * Where to look for `@rnn/backend-webgpu` / `@rnn/backend-cuda` when this package cannot see them
   * (pnpm installs each package's dependencies apart): a folder of the app (default: the folder of the
   * running script, then the working directory).
   */
  from?: string;
}

/**
 * Imports an optional package: from here, else as the app sees it. Computed names keep bundlers and
 * TypeScript from requiring it.
 */
async function importOptional(name: string, from?: string): Promise<Record<string, unknown>> {
  try {
    return await import(name);
  } catch (first) {
    const bases = from ? [from] : [process.argv[1] ? join(process.argv[1], '..') : '', process.cwd()];
    for (const base of bases.filter(Boolean)) {
      let resolved: string;
      try {
        resolved = createRequire(join(base, 'noop.js')).resolve(name);
      } catch {
        continue;
      }
      return import(pathToFileURL(resolved).href);
    }
    throw first;
  }
}

/**
 * Selects the backend an app's `--backend` names. `cpu` plugs in the native kernels of
 * `@rnn/cpu-native` when they load on this machine (falling back to JavaScript, with the reason in
 * the description, where they do not; `native: false` unplugs them); `webgpu` imports
 * `@rnn/backend-webgpu/register` (Dawn in Node) and `cuda` imports `@rnn/backend-cuda/register`, which
 * register the backend. A backend that is not installed, registers nothing or has no device is a `BackendError` that
 * says so.
 */
export async function setupBackend(
  name: BackendName,
  options: SetupBackendOptions = {},
): Promise<BackendSetup> {
  if (name === 'cpu') {
    await setBackend('cpu');
    if (options.native === false) {
      setCpuAccelerator(null);
      return { name, description: 'cpu (JavaScript kernels)' };
    }
    // What `import '@rnn/cpu-native/register'` does, unless the kernels are plugged in already.
    const { cpuNativeStatus, installCpuNative } = await import('@rnn/cpu-native');
    const current = cpuNativeStatus();
    const status = current.active ? current : installCpuNative();
    return {
      name,
      description: status.active ? `cpu (${status.reason})` : `cpu (JavaScript kernels: ${status.reason})`,
    };
  }
  if (name === 'webgpu' || name === 'cuda') {
    const pkg = name === 'webgpu' ? '@rnn/backend-webgpu' : '@rnn/backend-cuda';
    try {
      await importOptional(`${pkg}/register`, options.from);
    } catch (e) {
      throw new BackendError(
        `--backend ${name}: ${pkg} is not installed (npm install ${pkg}${name === 'webgpu' ? ' webgpu' : ''}): ` +
          (e as Error).message.split('\n')[0],
      );
    }
    // Importing a backend package's register entry registers its backend (every @rnn backend).
    if (!hasBackend(name)) {
      throw new BackendError(`--backend ${name}: importing ${pkg}/register registered no "${name}" backend`);
    }
    await setBackend(name);
    return { name, description: `${name} (${getBackend().name})` };
  }
  throw new BackendError(
    `unknown backend ${JSON.stringify(name)}: expected one of ${BACKEND_NAMES.join(', ')}`,
  );
}
