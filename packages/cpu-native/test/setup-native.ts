// Setup file for running another package's test suite with the native kernels plugged in
// (`pnpm --filter @rnn/cpu-native test:with-native`). Fails loudly where they cannot load.
import { installCpuNative } from '../src/index';

const status = installCpuNative({ threads: 2 });
if (!status.active && !process.env.RNN_NO_NATIVE)
  throw new Error(`native kernels unavailable: ${status.reason}`);
