/**
 * The real addon against a fake driver, NVRTC and cuBLAS (test/fake-cuda): the probe's paths through
 * the real library loading, and a backend created on the fake GPU: uploads and reads of every dtype,
 * fills, memory counts, launches whose arguments the fake checks by running a few kernels on the host,
 * cuBLAS GEMMs (the fake's are real), index errors reported at the next read, out of memory, NVRTC
 * failures, and tensors that are collected instead of disposed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BackendError, memory, setBackend, tensor } from '@rnn/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_DIR, useFakeCuda } from './fake-cuda/setup';

useFakeCuda();
const { createCudaBackend, probeCuda, registerCudaBackend } = await import('../src/index');
const { forgetCompiledImages } = await import('../src/device/modules');
type Backend = Awaited<ReturnType<typeof createCudaBackend>>;

it('the committed fake libraries were built from fake_cuda.c (test/fake-cuda/build-fake.sh)', () => {
  const hash = createHash('sha256')
    .update(readFileSync(`${FAKE_DIR}fake_cuda.c`))
    .digest('hex')
    .slice(0, 16);
  expect(readFileSync(`${FAKE_DIR}SOURCE_HASH`, 'utf8').trim()).toBe(hash);
});

/** Runs `fn` with the fake driver's environment changed, and the probe refreshed before and after. */
function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    probeCuda({ refresh: true });
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    probeCuda({ refresh: true });
  }
}

describe('probe through the real addon', () => {
  it('available on the fake GPU: NVRTC for sm_90, cuBLAS', () => {
    const p = probeCuda({ refresh: true });
    expect(p.reason).toBe(
      'Fake GPU 0 (compute capability 9.0), driver CUDA 13.0, kernels: NVRTC 13.0 (sm_90), matmul: cuBLAS',
    );
    expect(p.libraries.driver).toBe(`${FAKE_DIR}libfake_driver.so`);
  });

  it('each failure of the driver becomes one reason', () => {
    const code = (env: Record<string, string>) => withEnv(env, () => probeCuda());
    expect(code({ FAKE_CUDA_DEVICES: '0' })).toMatchObject({ code: 'no-device' });
    expect(code({ FAKE_CUDA_INIT: '100' }).reason).toMatch(/found no GPU/);
    expect(code({ FAKE_CUDA_INIT: '34' }).reason).toMatch(/stub library, not a driver/);
    expect(code({ FAKE_CUDA_INIT: '999' }).reason).toMatch(/cuInit: CUDA error 999/);
    expect(code({ FAKE_CUDA_VERSION: '10020' }).code).toBe('driver-too-old');
    expect(code({ FAKE_CUDA_CC: '61' }).code).toBe('unsupported-arch');
    expect(code({ FAKE_NVRTC_VERSION: '14.0' }).kernels).toEqual({ compiler: 'ptx', target: 'compute_75' });
    expect(code({ FAKE_NVRTC_VERSION: '14.0', FAKE_CUDA_VERSION: '12040' }).code).toBe('driver-too-old');
  });

  it('setBackend rejects with the reason when the driver sees no GPU', async () => {
    registerCudaBackend({ name: 'cuda-none' });
    process.env.FAKE_CUDA_DEVICES = '0';
    try {
      probeCuda({ refresh: true });
      const err = await setBackend('cuda-none').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/^cuda: the NVIDIA driver found no GPU/);
    } finally {
      delete process.env.FAKE_CUDA_DEVICES;
      probeCuda({ refresh: true });
    }
  });
});

describe('a backend on the fake GPU', () => {
  let b: Backend;
  beforeAll(async () => {
    b = await createCudaBackend();
  });
  afterAll(() => b.destroy());

  const roundTrip = async (dtype: 'float32' | 'float64' | 'int32' | 'bool', data: ArrayLike<number>) => {
    const host =
      dtype === 'float32'
        ? Float32Array.from(data)
        : dtype === 'float64'
          ? Float64Array.from(data)
          : dtype === 'int32'
            ? Int32Array.from(data)
            : Uint8Array.from(data);
    const s = b.fromArray(host, dtype);
    const back = await b.read(s, dtype, host.length);
    b.release(s);
    return back;
  };

  it('uploads and reads back every dtype (bool as one byte), small and large', async () => {
    expect(await roundTrip('float32', [1.5, -2, Number.NaN])).toEqual(Float32Array.of(1.5, -2, Number.NaN));
    expect(await roundTrip('float64', [0.1, 1e300])).toEqual(Float64Array.of(0.1, 1e300));
    expect(await roundTrip('int32', [-2147483648, 7])).toEqual(Int32Array.of(-2147483648, 7));
    expect(await roundTrip('bool', [1, 0, 1])).toEqual(Uint8Array.of(1, 0, 1));
    // past the 4 MiB pinned upload chunks (the driver stages these itself), and many small ones
    const big = Float32Array.from({ length: 1_500_000 }, (_, i) => i);
    const back = await roundTrip('float32', big);
    expect(back.length).toBe(big.length);
    expect(back.every((v, i) => v === big[i])).toBe(true);
    const many = await Promise.all(
      Array.from({ length: 100 }, (_, i) => roundTrip('int32', new Int32Array(40_000).fill(i))),
    );
    many.forEach((a, i) => {
      expect(a[39_999]).toBe(i);
    });
  });

  it('counts live buffers and bytes; release gives them back, and the allocator reuses the block', async () => {
    const m0 = b.memory();
    const s = b.fromArray(new Float32Array(1000), 'float32');
    expect(b.memory()).toEqual({ buffers: m0.buffers + 1, bytes: m0.bytes + 4096 });
    b.release(s);
    b.release(s); // a second release is ignored
    expect(b.memory()).toEqual(m0);
    const created = b.stats().created;
    b.release(b.fromArray(new Float32Array(1000), 'float32'));
    expect(b.stats().created).toBe(created);
  });

  it('fills: memsets for 4- and 1-byte types, a kernel (run by the fake) for float64', async () => {
    const read = async (s: object, dtype: 'float32' | 'float64' | 'int32' | 'bool', n: number) => {
      const out = Array.from(await b.read(s, dtype, n));
      b.release(s);
      return out;
    };
    expect(await read(b.fill([3], 'float32', -0.25), 'float32', 3)).toEqual([-0.25, -0.25, -0.25]);
    expect(await read(b.fill([2], 'int32', -7), 'int32', 2)).toEqual([-7, -7]);
    expect(await read(b.fill([2], 'bool', 5), 'bool', 2)).toEqual([1, 1]);
    expect(await read(b.fill([3], 'float64', 0.1), 'float64', 3)).toEqual([0.1, 0.1, 0.1]);
    expect(await read(b.fill([2], 'float64', 0), 'float64', 2)).toEqual([0, 0]);
  });

  it('kernel arguments reach the kernel: pointers, ints, doubles and the broadcasting Dims block', async () => {
    const x = b.fromArray(Float32Array.of(1, 2, 3, 4, 5, 6), 'float32');
    const row = b.fromArray(Float32Array.of(10, 20, 30), 'float32');
    const flat = b.binary(
      'add',
      { storage: x, shape: [2, 3], dtype: 'float32' },
      { storage: x, shape: [2, 3], dtype: 'float32' },
      [2, 3],
    );
    expect(Array.from(await b.read(flat, 'float32', 6))).toEqual([2, 4, 6, 8, 10, 12]);
    const bc = b.binary(
      'mul',
      { storage: x, shape: [2, 3], dtype: 'float32' },
      { storage: row, shape: [3], dtype: 'float32' },
      [2, 3],
    );
    expect(Array.from(await b.read(bc, 'float32', 6))).toEqual([10, 40, 90, 40, 100, 180]);
    for (const s of [x, row, flat, bc]) b.release(s);
  });

  it('matmul through cuBLAS, every transpose and batch broadcast, float32 and float64', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const [m, n, k] = [2, 3, 4];
        const A = Array.from({ length: 2 * m * k }, (_, i) => i - 3);
        const B = Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
        const a = b.fromArray(dtype === 'float32' ? Float32Array.from(A) : Float64Array.from(A), dtype);
        const bb = b.fromArray(dtype === 'float32' ? Float32Array.from(B) : Float64Array.from(B), dtype);
        const c = b.matmul(
          { storage: a, shape: ta ? [2, k, m] : [2, m, k], dtype },
          { storage: bb, shape: tb ? [1, n, k] : [1, k, n], dtype },
          ta,
          tb,
        );
        const got = Array.from(await b.read(c, dtype, 2 * m * n));
        const want: number[] = [];
        for (let t = 0; t < 2; t++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++)
                s += A[t * m * k + (ta ? p * m + i : i * k + p)] * B[tb ? j * k + p : p * n + j];
              want.push(s);
            }
        expect(got, `${dtype} transA ${ta} transB ${tb}`).toEqual(want);
        for (const s of [a, bb, c]) b.release(s);
      }
    }
  });

  it('an out-of-range index rejects the next read (then reads work again), or the next sync', async () => {
    const x = b.fromArray(Float32Array.of(1, 2, 3, 4), 'float32');
    const bad = b.fromArray(Int32Array.of(1, 7), 'int32');
    const good = b.fromArray(Int32Array.of(1, 0), 'int32');
    const spec = (s: object, shape: number[], dtype: 'float32' | 'int32') => ({ storage: s, shape, dtype });
    const y = b.indexSelect(spec(x, [4], 'float32'), 0, spec(bad, [2], 'int32'));
    await expect(b.read(y, 'float32', 2)).rejects.toThrow(
      /^cuda: indexSelect: index 7 at position 1 is out of range \[0, 4\) \(reported at the next read or sync/,
    );
    expect(Array.from(await b.read(y, 'float32', 2))).toEqual([2, 0]);
    const z = b.indexSelect(spec(x, [2, 2], 'float32'), 0, spec(bad, [2], 'int32'));
    await expect(b.sync()).rejects.toThrow(/index 7 at position 1 is out of range \[0, 2\)/);
    const ok = b.indexSelect(spec(x, [4], 'float32'), 0, spec(good, [2], 'int32'));
    expect(Array.from(await b.read(ok, 'float32', 2))).toEqual([2, 1]);
    await b.sync();
    for (const s of [x, bad, good, y, z, ok]) b.release(s);
  });

  it('out of GPU memory is a BackendError that says what is held and what to do', () => {
    process.env.FAKE_CUDA_MEMORY = String(64 * 2 ** 20);
    try {
      expect(() => b.fromArray(new Float32Array(40 * 2 ** 20), 'float32')).toThrow(
        /^cuda: out of GPU memory allocating 160\.0 MiB \(\d+ tensors hold .* MiB; the device has .* free of 64\.0 MiB\): dispose tensors/,
      );
    } finally {
      delete process.env.FAKE_CUDA_MEMORY;
    }
  });

  it('works under the tensor front end: ops, moves, dispose, and tensors collected instead of disposed', async () => {
    registerCudaBackend({ name: 'cuda' });
    await setBackend('cuda');
    const a = tensor([1, 2, 3]);
    const c = a.add(tensor([10, 20, 30]));
    expect(c.backend.name).toBe('cuda');
    expect(Array.from(await c.data())).toEqual([11, 22, 33]);
    expect(Array.from((await c.toAsync('cpu')).dataSync())).toEqual([11, 22, 33]);
    const before = b.memory().buffers; // another instance: the registered backend is its own
    expect(before).toBeGreaterThanOrEqual(0);
    const cuda = (await setBackend('cuda')) as Backend;
    const collect = async () => {
      for (let i = 0; i < 5; i++) {
        (globalThis as { gc?: () => void }).gc?.();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await collect(); // temporaries of the lines above
    const live = cuda.memory().buffers;
    for (let i = 0; i < 50; i++) tensor(new Float32Array(10_000)); // dropped, never disposed
    expect(cuda.memory().buffers).toBe(live + 50);
    await collect();
    expect(cuda.memory().buffers, 'collected tensors give their blocks back').toBe(live);
    expect(memory().tensors).toBeGreaterThanOrEqual(0);
    a.dispose();
    c.dispose();
  });
});

describe('fallbacks when a library fails at run time', () => {
  it('a module NVRTC cannot compile: the prebuilt PTX, with a note carrying the error', async () => {
    forgetCompiledImages(); // the backends above compiled every module already
    process.env.FAKE_NVRTC_FAIL = 'softmax';
    try {
      const b = await createCudaBackend({ name: 'cuda-ptx' });
      expect(b.probe.kernels).toEqual({ compiler: 'ptx', target: 'compute_75' });
      expect(b.probe.notes).toEqual([
        'NVRTC\'s kernels failed (cuda: NVRTC could not compile the "softmax" kernels for sm_90 (nvrtcCompileProgram: NVRTC_ERROR_COMPILATION):): using the prebuilt PTX (compute_75)',
      ]);
      expect(probeCuda().notes, 'the shared probe is not changed').toEqual([]);
      b.destroy();
    } finally {
      delete process.env.FAKE_NVRTC_FAIL;
    }
  });

  it('... and where the prebuilt PTX cannot run either, creation rejects with the compiler log', async () => {
    forgetCompiledImages();
    process.env.FAKE_NVRTC_FAIL = 'softmax';
    process.env.FAKE_CUDA_VERSION = '12080'; // the prebuilt PTX needs 13.0
    process.env.FAKE_NVRTC_VERSION = '12.8';
    try {
      probeCuda({ refresh: true });
      await expect(createCudaBackend({ name: 'cuda-broken' })).rejects.toThrow(
        /^cuda: NVRTC could not compile the "softmax" kernels for sm_90 \(nvrtcCompileProgram: NVRTC_ERROR_COMPILATION\):\nsoftmax\.cu\(1\): error: fake failure/,
      );
    } finally {
      delete process.env.FAKE_NVRTC_FAIL;
      delete process.env.FAKE_CUDA_VERSION;
      delete process.env.FAKE_NVRTC_VERSION;
      probeCuda({ refresh: true });
    }
  });

  it('a cuBLAS that fails to start: the built-in GEMM, with a note', async () => {
    process.env.FAKE_CUBLAS_FAIL = '1';
    try {
      const b = await createCudaBackend({ name: 'cuda-noblas' });
      expect(b.probe.matmul).toBe('kernel');
      expect(b.probe.notes).toEqual([
        'cuBLAS failed to start (cuda: creating a context on GPU 0 failed: cublasCreate failed with status 3): matmul uses the built-in kernel',
      ]);
      expect(b.context.blas).toBe(false);
      b.destroy();
    } finally {
      delete process.env.FAKE_CUBLAS_FAIL;
    }
  });
});

describe('synchronous reads (opt-in)', () => {
  it('syncReads gives a blocking readSync, so dataSync / itemSync work; off by default', async () => {
    const plain = await createCudaBackend({ name: 'cuda-plain' });
    expect(plain.readSync).toBeUndefined();
    plain.destroy();
    const b = await createCudaBackend({ name: 'cuda-sync', syncReads: true });
    const s = b.fromArray(Float64Array.of(1.25, -3), 'float64');
    expect(Array.from(b.readSync!(s, 'float64', 2))).toEqual([1.25, -3]);
    const x = b.fromArray(Float32Array.of(1, 2), 'float32');
    const idx = b.fromArray(Int32Array.of(5), 'int32');
    const y = b.indexSelect({ storage: x, shape: [2], dtype: 'float32' }, 0, {
      storage: idx,
      shape: [1],
      dtype: 'int32',
    });
    expect(() => b.readSync!(y, 'float32', 1)).toThrow(/index 5 at position 0 is out of range \[0, 2\)/);
    // uploaded data is read back from its host copy, without waiting for the GPU (the front end's
    // index checks), while kernel outputs are read from the device
    const launches = b.stats().launches;
    expect(Array.from(b.readSync!(idx, 'int32', 1))).toEqual([5]);
    expect((idx as { host: unknown }).host).not.toBeNull();
    expect((y as { host: unknown }).host).toBeNull();
    expect(b.stats().launches).toBe(launches);
    for (const t of [s, x, idx, y]) b.release(t);
    b.destroy();
  });
});

describe('kernel images', () => {
  it('are compiled once per process for a GPU architecture: a second backend reuses them', async () => {
    const a = await createCudaBackend({ name: 'cuda-first' });
    process.env.FAKE_NVRTC_FAIL = 'elementwise'; // would fail if it were compiled again
    try {
      const b = await createCudaBackend({ name: 'cuda-second' });
      expect(b.probe.kernels).toEqual({ compiler: 'nvrtc', target: 'sm_90' });
      expect(b.probe.notes).toEqual([]);
      b.destroy();
    } finally {
      delete process.env.FAKE_NVRTC_FAIL;
      a.destroy();
    }
  });
});
