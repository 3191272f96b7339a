/** `@rnn/cpu-native/register` in browsers (the `browser` export condition): plugs nothing in. */
import { type CpuNativeStatus, installCpuNative } from './browser';

/** What the import did: nothing, in browsers (`active: false`, with the reason). */
export const status: CpuNativeStatus = installCpuNative();
