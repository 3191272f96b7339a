/**
 * `@rnn/cpu-native` in browsers (the `browser` export condition): native kernels exist only in Node,
 * so this is the same API doing nothing, and a bundle that imports the package for Node and the
 * browser alike builds and runs. The CPU backend keeps its JavaScript (and the browser's) kernels.
 */
import type {
  CpuNative,
  CpuNativeStatus,
  LoadOptions,
  NativeKernels,
  NativeModule,
  NativeThreads,
} from './index';

export type { CpuNative, CpuNativeStatus, LoadOptions, NativeKernels, NativeModule, NativeThreads };

const reason = 'native kernels run in Node only (this is the browser build of @rnn/cpu-native)';

/** Always `null` in browsers. */
export function loadCpuNative(_options: LoadOptions = {}): CpuNative | null {
  return null;
}

/** Why {@link loadCpuNative} returned `null`. */
export function nativeLoadError(): string {
  return reason;
}

/** Does nothing in browsers; returns `{ active: false, reason }`. */
export function installCpuNative(_options: LoadOptions = {}): CpuNativeStatus {
  return { active: false, reason };
}

/** Does nothing in browsers. */
export function uninstallCpuNative(): void {}

/** `{ active: false, reason }` in browsers. */
export function cpuNativeStatus(): CpuNativeStatus {
  return { active: false, reason };
}
