/**
 * Memory without `tidy` with the native kernels plugged in: the engine issue's loop (no scope, no
 * dispose, no await) must reclaim the storage of dropped tensors during the loop, as on the pure
 * JavaScript path (`@rnn/tensor`'s own collection tests).
 */
import { randn } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { installCpuNative } from '../src/index';

const status = installCpuNative({ threads: 2 });
const gc = (globalThis as { gc?: () => void }).gc!;

const liveArrayBytes = () => {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
};

describe(`memory without tidy (${status.active ? status.reason : 'native kernels not available'})`, () => {
  it('a loop that never yields reclaims the storage of the tensors it drops', () => {
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const w = randn([256, 256]).requiresGrad_();
    const step = () => {
      const loss = w
        .matmul(randn([256, 256]))
        .tanh()
        .sum();
      loss.backward();
      w.grad = null;
    };
    for (let i = 0; i < 20; i++) step();
    const warm = liveArrayBytes();
    for (let i = 0; i < 300; i++) step(); // ~1 MiB dropped per step: 300 MiB if it were kept
    expect(liveArrayBytes()).toBeLessThan(warm * 1.5 + 8 * 2 ** 20);
  });
});
