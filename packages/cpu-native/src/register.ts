/**
 * Side-effect entry: `import '@rnn/cpu-native/register'` plugs the native kernels into the CPU backend
 * where they load, and otherwise leaves the pure JavaScript kernels in place (`status`, or
 * `cpuNativeStatus()` of the main entry, says why). Once per process: a second copy of this entry (the
 * CommonJS build beside the ESM one) finds the kernels plugged in already, and kernels plugged in by
 * someone else are left alone.
 */
import { getCpuAccelerator } from '@rnn/tensor/backend';
import { type CpuNativeStatus, cpuNativeStatus, installCpuNative } from './index';

/** What the import did: whether the native kernels are active, and why (not). */
export const status: CpuNativeStatus = getCpuAccelerator() ? cpuNativeStatus() : installCpuNative();
