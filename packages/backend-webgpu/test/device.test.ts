/**
 * The device layer: command batching, the buffer pool and its deferred release, the pipeline cache,
 * and errors (device loss, allocations past the device's limits, kernels that fail to compile) that
 * must surface as `BackendError`s and never hang.
 */
import { BackendError, initBackend, listBackends, type TensorSpec, tensor } from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, registerWebGPUBackend, sizeClass, type WebGPUBackend } from '../src/index';
import { webgpu } from './gpu';

let g: WebGPUBackend;
beforeAll(async () => {
  g = await webgpu();
});

const f32 = (storage: object, shape: number[]): TensorSpec => ({ storage, shape, dtype: 'float32' });

/** A second device, for tests that break it. */
async function spareBackend(options = {}): Promise<WebGPUBackend> {
  const { create } = await import('webgpu');
  return createWebGPUBackend({ gpu: create(['backend=vulkan']), ...options });
}

describe('creation and registration', () => {
  it('registerWebGPUBackend: above the CPU backend; in Node without options it loads the webgpu package', async () => {
    registerWebGPUBackend({ name: 'webgpu-registered' });
    const names = listBackends();
    expect(names.indexOf('webgpu-registered')).toBeLessThan(names.indexOf('cpu'));
    const b = (await initBackend('webgpu-registered')) as WebGPUBackend;
    try {
      expect(b.name).toBe('webgpu-registered');
      expect(typeof b.adapter.software).toBe('boolean');
      const t = tensor([1, 2, 3], { backend: b });
      expect(Array.from(await t.exp().log().data())).toEqual([1, 2, 3].map((v) => Math.fround(v)));
    } finally {
      b.destroy();
    }
  });
});

describe('command batching', () => {
  it('records many dispatches per command buffer and submits before a read', async () => {
    const b = await spareBackend({ maxDispatchesPerSubmit: 100 });
    try {
      let x = f32(b.fromArray(new Float32Array([1, 2, 3]), 'float32'), [3]);
      const before = b.stats().submits;
      for (let i = 0; i < 250; i++) {
        const y = f32(b.unary('neg', x), [3]);
        b.release(x.storage);
        x = y;
      }
      // 250 dispatches: two full command buffers so far, the rest waits for the read
      expect(b.stats().submits - before).toBe(2);
      expect(Array.from(await b.read(x.storage, 'float32', 3))).toEqual([1, 2, 3]);
      expect(b.stats().submits - before).toBe(3);
    } finally {
      b.destroy();
    }
  });

  it('submits on its own at the end of the task, so work never waits for a read', async () => {
    const before = g.stats().submits;
    const y = g.fill([4], 'float32', 2);
    expect(g.stats().submits).toBe(before);
    await Promise.resolve();
    expect(g.stats().submits).toBe(before + 1);
    await g.sync();
    g.release(y);
  });
});

describe('buffer pool', () => {
  it('size classes: powers of two, then quarter steps; never less than asked', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(257)).toBe(512);
    expect(sizeClass(4096)).toBe(4096);
    expect(sizeClass(4097)).toBe(5120);
    expect(sizeClass(1_000_000)).toBe(1_048_576);
    for (let n = 1; n < 100_000; n = Math.ceil(n * 1.37)) expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
  });

  it('recycles released buffers: a repeated step creates no new buffers, even without submits between steps', async () => {
    const step = () => {
      const a = g.fill([100, 37], 'float32', 1);
      const b = g.unary('exp', f32(a, [100, 37]));
      const c = g.reduce('sum', f32(b, [100, 37]), [1]);
      g.release(a);
      g.release(b);
      return c;
    };
    g.release(step());
    await g.sync();
    const created = g.stats().created;
    const live = g.memory().buffers;
    for (let i = 0; i < 20; i++) g.release(step());
    await g.sync();
    expect(g.stats().created).toBe(created);
    expect(g.memory().buffers).toBe(live);
  });

  it('defers the reuse of a released buffer until the work that reads it is submitted', async () => {
    await g.sync();
    const x = g.fromArray(new Float32Array([1, 2, 3]), 'float32');
    const y = g.unary('neg', f32(x, [3])); // recorded, not submitted
    g.release(x);
    // Same size class: had x's buffer been handed out at once, this upload (queued ahead of the
    // unsubmitted command buffer) would overwrite x before `neg` reads it.
    const z = g.fromArray(new Float32Array([9, 9, 9]), 'float32');
    expect(Array.from(await g.read(y, 'float32', 3))).toEqual([-1, -2, -3]);
    expect(Array.from(await g.read(z, 'float32', 3))).toEqual([9, 9, 9]);
    g.release(y);
    g.release(z);
  });

  it('lets later kernels of the same command buffer write a released buffer (the GPU runs them in order)', async () => {
    await g.sync();
    const x = g.fromArray(new Float32Array([1, 2, 3]), 'float32');
    await g.sync();
    const y = g.unary('neg', f32(x, [3]));
    g.release(x);
    const w = g.unary('abs', f32(y, [3])); // takes x's buffer: written after `neg` has read it
    const buffer = (s: object) => (s as { buffer: GPUBuffer }).buffer;
    expect(buffer(w)).toBe(buffer(x));
    expect(Array.from(await g.read(y, 'float32', 3))).toEqual([-1, -2, -3]);
    expect(Array.from(await g.read(w, 'float32', 3))).toEqual([1, 2, 3]);
    g.release(y);
    g.release(w);
  });
});

describe('pipeline cache', () => {
  it('compiles one pipeline per kernel and dtype, whatever the shapes', async () => {
    const run = (n: number, m: number) => {
      const a = g.fill([n, m], 'float32', 1.5);
      const b = g.fill([m], 'float32', 2);
      const c = g.binary('mul', f32(a, [n, m]), f32(b, [m]), [n, m]);
      const d = g.matmul(f32(c, [1, n, m]), f32(a, [1, n, m]), false, true);
      for (const s of [a, b, c, d]) g.release(s);
    };
    run(3, 4);
    const pipelines = g.stats().pipelines;
    run(17, 5);
    run(2, 130);
    expect(g.stats().pipelines).toBe(pipelines);
    await g.sync();
  });
});

describe('errors', () => {
  it('a lost device rejects reads and throws on new work with a BackendError, without hanging', async () => {
    const b = await spareBackend();
    const x = b.fromArray(new Float32Array(1024), 'float32');
    const pending = b.read(b.unary('exp', f32(x, [1024])), 'float32', 1024);
    b.destroy();
    await expect(pending).rejects.toBeInstanceOf(BackendError);
    await expect(b.read(x, 'float32', 4)).rejects.toThrow(/device was lost/);
    expect(() => b.fill([2], 'float32', 0)).toThrow(BackendError);
    await expect(b.sync()).rejects.toBeInstanceOf(BackendError);
  });

  it('an allocation past the device limit is a BackendError, not a crash', async () => {
    const max = g.device.limits.maxBufferSize;
    expect(() => g.fill([Math.floor(max / 4) + 1], 'float32', 0)).toThrow(/maxBufferSize/);
    // the backend still works afterwards
    const y = g.fill([2], 'float32', 3);
    expect(Array.from(await g.read(y, 'float32', 2))).toEqual([3, 3]);
    g.release(y);
  });

  it('a kernel that fails to compile surfaces as a BackendError at the next read, once', async () => {
    const out = g.fill([4], 'float32', 0);
    g.context.dispatch(
      'broken-kernel-for-test',
      () => ({ code: 'this is not WGSL', bindings: ['write'] }),
      [(out as { buffer: GPUBuffer }).buffer],
      new Uint32Array(64),
      [1],
    );
    // The whole command buffer holding the bad dispatch is invalid (its other results are lost).
    await expect(g.read(out, 'float32', 4)).rejects.toThrow(/compiling kernel "broken-kernel-for-test"/);
    // Reported once; using the kernel again throws at once; the backend goes on working.
    expect(() =>
      g.context.dispatch(
        'broken-kernel-for-test',
        () => ({ code: '', bindings: [] }),
        [],
        new Uint32Array(64),
        [1],
      ),
    ).toThrow(/failed to compile/);
    const y = g.fill([4], 'float32', 0.5);
    expect(Array.from(await g.read(y, 'float32', 4))).toEqual([0.5, 0.5, 0.5, 0.5]);
    g.release(out);
    g.release(y);
  });

  it('float64 is refused with a DTypeError (supportsFloat64 is false)', () => {
    expect(g.supportsFloat64).toBe(false);
    expect(() => g.fromArray(new Float64Array(2), 'float64')).toThrow(/float64/);
  });
});
