/**
 * Side-effect entry: `import '@rnn/cpu-native/register'` plugs the native kernels into the CPU backend
 * when they load, and otherwise leaves the pure JavaScript kernels in place.
 */
import { installCpuNative } from './index';

/** What the import did: whether the native kernels are active, and why (not). */
export const status = installCpuNative();
