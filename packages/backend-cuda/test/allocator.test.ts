/** The caching allocator against a fake device that counts driver calls. */

import { Ballast } from '@rnn/tensor/backend';
import { describe, expect, it } from 'vitest';
import { CachingAllocator, MIN_BLOCK, sizeClass } from '../src/device/allocator';

/** A device of `capacity` bytes: hands out increasing addresses, throws CUDA's OOM error when full. */
function fakeDevice(capacity = Number.POSITIVE_INFINITY) {
  let next = 0x7f0000000000;
  let used = 0;
  const live = new Map<number, number>();
  const dev = {
    allocs: 0,
    frees: 0,
    get used() {
      return used;
    },
    alloc(bytes: number) {
      if (used + bytes > capacity) {
        throw Object.assign(new Error('cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)'), {
          code: 'CUDA_ERROR_OUT_OF_MEMORY',
        });
      }
      dev.allocs++;
      used += bytes;
      const p = next;
      next += bytes;
      live.set(p, bytes);
      return p;
    },
    free(ptr: number) {
      const b = live.get(ptr);
      if (b === undefined) throw new Error(`double free of ${ptr}`);
      live.delete(ptr);
      used -= b;
      dev.frees++;
    },
  };
  return dev;
}

describe('size classes', () => {
  it('powers of two to 1 MiB, eighths of a power of two to 16 MiB, then 2 MiB steps', () => {
    expect(sizeClass(1)).toBe(MIN_BLOCK);
    expect(sizeClass(512)).toBe(512);
    expect(sizeClass(513)).toBe(1024);
    expect(sizeClass(4000)).toBe(4096);
    expect(sizeClass(2 ** 20)).toBe(2 ** 20);
    expect(sizeClass(2 ** 20 + 1)).toBe(2 ** 20 + 2 ** 18); // 1.25 MiB
    expect(sizeClass(3 * 2 ** 20 + 1)).toBe(3.5 * 2 ** 20);
    expect(sizeClass(2 ** 24 + 1)).toBe(2 ** 24 + 2 ** 21);
    expect(sizeClass(100 * 2 ** 20 + 5)).toBe(102 * 2 ** 20);
  });

  it('never wastes more than half of a small block or an eighth of a large one', () => {
    for (let b = 1; b < 2 ** 26; b = Math.ceil(b * 1.37) + 7) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      if (b > 2 ** 20) expect((c - b) / b).toBeLessThan(0.25);
    }
  });
});

describe('caching allocator', () => {
  it('reuses freed blocks of the same class: a repeated step allocates nothing new', () => {
    const dev = fakeDevice();
    const a = new CachingAllocator(dev);
    const step = () => {
      const blocks = [100, 5000, 5000, 70_000, 3 * 2 ** 20].map((b) => a.alloc(b));
      for (const b of blocks) a.release(b);
    };
    step();
    expect(dev.allocs).toBe(5);
    for (let i = 0; i < 10; i++) step();
    expect(dev.allocs, 'no driver allocation after the first step').toBe(5);
    const st = a.stats();
    expect(st).toMatchObject({ liveBlocks: 0, liveBytes: 0, cachedBlocks: 5, created: 5, reused: 50 });
    expect(st.cachedBytes).toBe(512 + 8192 * 2 + 131072 + 3 * 2 ** 20);
  });

  it('counts live blocks and bytes by size class', () => {
    const a = new CachingAllocator(fakeDevice());
    const x = a.alloc(10);
    const y = a.alloc(3000);
    expect(a.stats()).toMatchObject({ liveBlocks: 2, liveBytes: 512 + 4096 });
    a.release(x);
    expect(a.stats()).toMatchObject({ liveBlocks: 1, liveBytes: 4096, cachedBlocks: 1, cachedBytes: 512 });
    a.release(y);
    a.emptyCache();
    expect(a.stats()).toMatchObject({ liveBlocks: 0, cachedBlocks: 0, cachedBytes: 0 });
  });

  it('a full device: frees the cache and retries once, then reports out of memory', () => {
    const dev = fakeDevice(10_000);
    const a = new CachingAllocator(dev);
    const small = [a.alloc(2000), a.alloc(2000)]; // 2 × 2048
    for (const b of small) a.release(b); // cached, still held from the driver
    const big = a.alloc(8000); // 8192: fits only once the cache is given back
    expect(big.size).toBe(8192);
    expect(a.stats()).toMatchObject({ oomRetries: 1, cachedBlocks: 0, liveBlocks: 1 });
    expect(() => a.alloc(8000)).toThrow(/OUT_OF_MEMORY/);
  });

  it('with a limit on cached bytes, blocks beyond it go back to the driver', () => {
    const dev = fakeDevice();
    const a = new CachingAllocator(dev, 4096);
    const blocks = [a.alloc(4096), a.alloc(4096)];
    for (const b of blocks) a.release(b);
    expect(dev.frees).toBe(1);
    expect(a.stats().cachedBytes).toBe(4096);
  });
});

describe('ballast', () => {
  it('gives each block a share of a large untouched ArrayBuffer (whole buffers for huge blocks)', () => {
    const b = new Ballast();
    const x = b.share(1024);
    const y = b.share(2048);
    // (identity compared as booleans: a failing toBe would print 64 MiB)
    expect(x === y, 'small blocks share one chunk').toBe(true);
    expect(x.byteLength).toBe(64 * 2 ** 20);
    const huge = b.share(100 * 2 ** 20);
    expect(huge.byteLength).toBe(100 * 2 ** 20);
    const z = b.share(64 * 2 ** 20 - 2048); // no longer fits what is left of the first chunk
    expect(z === x, 'a new chunk once the first is used up').toBe(false);
  });
});
