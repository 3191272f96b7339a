import { describe, expect, it } from 'vitest';
import { allocArray, allocUninit, recycle } from '../src/cpu/pool';
import { cpuBufferPoolBytes, manualSeed, randn, setCpuBufferPoolLimit, tidy } from '../src/index';

describe('CPU buffer pool', () => {
  it('hands a released array of the same type and length back, zero-filled by allocArray', () => {
    const a = allocUninit('float32', 4096);
    a.fill(7);
    recycle(a);
    const b = allocArray('float32', 4096);
    expect(b).toBe(a); // the same memory, reused
    expect(b.every((v) => v === 0)).toBe(true);
    // another type or length does not match it
    recycle(b);
    expect(allocUninit('int32', 4096)).not.toBe(b);
    expect(allocUninit('float32', 4095)).not.toBe(b);
    expect(allocUninit('float32', 4096)).toBe(b);
  });

  it('never keeps tiny arrays or views into a larger buffer', () => {
    const tiny = allocUninit('float32', 16);
    recycle(tiny);
    expect(allocUninit('float32', 16)).not.toBe(tiny);
    const whole = new Float32Array(8192);
    const view = whole.subarray(0, 4096);
    recycle(view);
    expect(allocUninit('float32', 4096)).not.toBe(view);
  });

  it('respects its limit; limit 0 frees everything pooled', () => {
    const previous = setCpuBufferPoolLimit(64 * 1024);
    try {
      for (let i = 0; i < 8; i++) recycle(new Float32Array(4096 + i)); // 8 × ~16 KiB > 64 KiB
      expect(cpuBufferPoolBytes()).toBeLessThanOrEqual(64 * 1024);
      setCpuBufferPoolLimit(0);
      expect(cpuBufferPoolBytes()).toBe(0);
    } finally {
      setCpuBufferPoolLimit(previous);
    }
  });

  it('stays bounded over repeated training-like steps (same sizes reused)', () => {
    manualSeed(1);
    const w = randn([64, 64], { requiresGrad: true });
    const step = () =>
      tidy(() => {
        const loss = randn([32, 64]).matmul(w).tanh().square().sum();
        loss.backward();
        w.grad?.dispose();
        w.grad = null;
      });
    for (let i = 0; i < 3; i++) step();
    const settled = cpuBufferPoolBytes();
    for (let i = 0; i < 20; i++) step();
    expect(cpuBufferPoolBytes()).toBe(settled);
  });
});
