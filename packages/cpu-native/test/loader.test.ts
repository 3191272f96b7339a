import { fileURLToPath } from 'node:url';
import { getCpuAccelerator, matmul, setCpuAccelerator, tensor } from '@rnn/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import { random } from '../../tensor/src/cpu/kernels/random';
import { installCpuNative, loadCpuNative, nativeLoadError, uninstallCpuNative } from '../src/index';

afterEach(() => {
  uninstallCpuNative();
  delete process.env.RNN_NO_NATIVE;
});

// The prebuilt binaries are for linux-x64 and win32-x64 CPUs with AVX2+FMA and for linux-arm64 (see
// the README's Platforms); elsewhere the native tests are not
// applicable and are not registered (rather than skipped). CI sets RNN_REQUIRE_NATIVE=1, so there a
// binary that stops loading fails the suite instead of quietly testing nothing.
const native = loadCpuNative();
const loadError = nativeLoadError();
const itNative = native ? it : () => {};

describe('availability', () => {
  it(
    native
      ? 'the prebuilt native kernels load on this machine'
      : 'without native kernels here, the pure JavaScript path is what runs',
    () => {
      if (process.env.RNN_REQUIRE_NATIVE === '1') {
        expect(
          native,
          `RNN_REQUIRE_NATIVE=1 but the native kernels did not load: ${loadError}`,
        ).not.toBeNull();
      }
      if (!native) expect(installCpuNative().active).toBe(false);
    },
  );
});

describe('loading', () => {
  it('falls back (returns null, never throws) when the addon cannot be loaded', () => {
    delete process.env.RNN_NO_NATIVE;
    expect(loadCpuNative({ path: '/nonexistent/rnn_cpu.node' })).toBeNull();
    expect(nativeLoadError()).toMatch(/could not load the native kernels/);
    const status = installCpuNative({ path: '/nonexistent/rnn_cpu.node' });
    expect(status.active).toBe(false);
    expect(getCpuAccelerator()).toBeNull();
    // the pure JavaScript path keeps working
    const c = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
    expect(c.dataSync()).toEqual(new Float32Array([11]));
  });

  it('RNN_NO_NATIVE=1 forces the pure JavaScript kernels', () => {
    process.env.RNN_NO_NATIVE = '1';
    expect(loadCpuNative()).toBeNull();
    expect(nativeLoadError()).toMatch(/RNN_NO_NATIVE/);
    expect(installCpuNative()).toEqual({ active: false, reason: 'disabled by RNN_NO_NATIVE' });
  });

  itNative('plugs into the CPU backend and can be removed again', () => {
    const status = installCpuNative({ threads: 2 });
    expect(status.active).toBe(true);
    expect(status.reason).toMatch(/^cpu-native (avx512|avx2|neon), 2 threads$/);
    expect(getCpuAccelerator()?.name).toBe(status.reason);
    uninstallCpuNative();
    expect(getCpuAccelerator()).toBeNull();
  });

  itNative('says what the CPU is, which machine class the GEMM runs and why', () => {
    const m = native!.machine;
    const cpu = m.cpuInfo();
    expect(cpu.vendor.length).toBeGreaterThan(0);
    const gemm = m.gemmConfig();
    expect(gemm.supported).toBe(true);
    expect(gemm.reason!.length).toBeGreaterThan(0);
    expect(gemm.mc % gemm.mr).toBe(0);
    expect(gemm.nc % gemm.nr).toBe(0);
    expect(m.gemmClasses().map((c) => c.machineClass)).toContain(gemm.machineClass);
    if (process.arch === 'x64') {
      expect(cpu.family).toBeGreaterThan(0);
      expect(cpu.features.avx2 && cpu.features.fma).toBe(true);
      // a data cache at level 1 and a cache at level 2, as cpuid reports them (also under a hypervisor)
      expect(cpu.caches.find((c) => c.level === 1 && c.type === 'D')?.size).toBeGreaterThanOrEqual(16384);
      expect(cpu.caches.find((c) => c.level === 2)?.size).toBeGreaterThanOrEqual(131072);
      expect(gemm.machineClass).toBe(
        !cpu.features.avx512f
          ? 'avx2'
          : cpu.vendor === 'AuthenticAMD' && cpu.family === 25
            ? 'avx512-256'
            : gemm.machineClass,
      );
      expect(m.gemmClasses().find((c) => c.machineClass === 'avx512')?.supported).toBe(cpu.features.avx512f);
    }
  });

  itNative('switches machine class, and refuses what this CPU cannot run', () => {
    const m = native!.machine;
    const start = m.gemmConfig().machineClass;
    expect(m.setGemmClass('no-such-class' as never)).toBe(false);
    expect(m.gemmConfig().machineClass).toBe(start);
    for (const c of m.gemmClasses()) {
      expect(m.setGemmClass(c.machineClass)).toBe(c.supported);
      if (c.supported)
        expect(m.gemmConfig()).toMatchObject({ machineClass: c.machineClass, kc: c.kc, nc: c.nc });
    }
    // overrides must fit the micro-kernel's tile
    expect(m.setGemmClass(start, { mc: m.gemmConfig().mr + 1 })).toBe(false);
    expect(m.setGemmClass(start, { kc: 200 })).toBe(true);
    expect(m.gemmConfig().kc).toBe(200);
    expect(m.setGemmClass(start)).toBe(true);
    expect(loadCpuNative({ machineClass: 'no-such-class' as never })).toBeNull();
    expect(nativeLoadError()).toMatch(/unknown machine class no-such-class/);
    // a later load without a class goes back to the one chosen at the first load
    expect(loadCpuNative()!.machine.gemmConfig().machineClass).toBe(start);
  });

  itNative('measures the FMA peak of its vector widths', () => {
    const m = native!.machine;
    const bits = process.arch === 'x64' ? 256 : 128;
    const one = m.fmaPeak(1, bits, 0.01);
    // by the wall clock it can be anything on a loaded machine; by CPU time it is the core's rate,
    // and never below the wall-clock one (a thread's CPU time is at most its wall time)
    expect(one.gflops).toBeGreaterThan(0);
    expect(one.gflopsByCpuTime).toBeGreaterThan(1);
    expect(one.gflopsByCpuTime).toBeGreaterThanOrEqual(one.gflops * 0.99);
    expect(m.fmaPeak(2, bits, 0.01).gflopsByCpuTime).toBeGreaterThan(1);
    expect(m.fmaPeak(1, 1024, 0.01)).toEqual({ gflops: -1, gflopsByCpuTime: -1 });
    if (process.arch === 'x64') expect(m.fmaPeak(1, 512, 0.01).gflops > 0).toBe(m.cpuInfo().features.avx512f);
    expect(() => m.fmaPeak(0, bits, 0.01)).toThrow(/threads/);
  });

  itNative('rejects wrong operands instead of reading out of bounds', () => {
    const a = new Float32Array(4);
    expect(() =>
      native!.sgemm(false, false, 2, 2, 2, 1, a, 0, 2, a, 0, 2, 0, new Float32Array(3), 0, 2),
    ).toThrow(/too short/);
    expect(() =>
      native!.sgemm(false, false, 1, 1, 1, 1, new Float64Array(1) as never, 0, 1, a, 0, 1, 0, a, 0, 1),
    ).toThrow(/Float32Array/);
  });
});

/** Reference `alpha·op(A)·op(B) + beta·C` in float64. */
function reference(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  offA: number,
  lda: number,
  b: Float32Array,
  offB: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  offC: number,
  ldc: number,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = ta ? a[offA + p * lda + i] : a[offA + i * lda + p];
        const y = tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
        s += x * y;
      }
      out[offC + i * ldc + j] = alpha * s + beta * c[offC + i * ldc + j];
    }
  }
  return out;
}

/** How many elements of two arrays differ (a count, not a diff of a million elements, when they do). */
function differing(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

function randomArray(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

describe('sgemm', () => {
  // Sizes around the micro-tile edges (6/12 rows, 16/32 columns), k past one KC block (384), and
  // products large enough to be split across threads.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 0],
    [7, 17, 9],
    [13, 33, 385],
    [20, 100, 64],
    [97, 70, 130],
    [150, 300, 400],
    // few rows, long k (B read in place, or a transposed B packed; split across two threads for the
    // wider ones)
    [5, 70, 300],
    [16, 1500, 130],
    [3, 3000, 385],
    // transB packed with 8 × 8 transposes (full and partial slivers, k % 8 tail); B read in place up to 128 rows
    [40, 67, 301],
    [128, 200, 500],
  ];
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      itNative(`${m}×${n}×${k}, transA ${ta}, transB ${tb}, offsets and leading dimensions`, () => {
        native!.setThreads(2);
        const lda = (ta ? m : k) + 3;
        const ldb = (tb ? k : n) + 2;
        const ldc = n + 5;
        const offA = 4;
        const offB = 1;
        const offC = 6;
        const a = randomArray(offA + (ta ? k : m) * lda + 1, m * 7 + k);
        const b = randomArray(offB + (tb ? n : k) * ldb + 1, n * 3 + k);
        for (const [alpha, beta] of [
          [1, 0],
          [1, 1],
          [0.5, -2],
        ]) {
          const c = randomArray(offC + m * ldc, 99);
          const want = reference(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
          native!.sgemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
          const bad: string[] = [];
          for (let i = 0; i < c.length; i++) {
            const row = Math.floor((i - offC) / ldc);
            const col = (i - offC) % ldc;
            const inside = i >= offC && row < m && col < n;
            const ok = inside
              ? Math.abs(c[i] - want[i]) <= 1e-5 * (1 + Math.sqrt(k)) * (1 + Math.abs(want[i]))
              : c[i] === Math.fround(want[i]);
            if (!ok && bad.length < 5)
              bad.push(`c[${i}] = ${c[i]}, want ${want[i]}${inside ? '' : ' (untouched)'}`);
          }
          expect(bad, `alpha ${alpha}, beta ${beta}`).toEqual([]);
        }
      });
    }
  }

  itNative('gives the same result on 1 and 2 threads', () => {
    const [m, n, k] = [200, 300, 100];
    const a = randomArray(m * k, 1);
    const b = randomArray(k * n, 2);
    const c1 = new Float32Array(m * n);
    const c2 = new Float32Array(m * n);
    native!.setThreads(1);
    native!.sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c1, 0, n);
    native!.setThreads(2);
    native!.sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c2, 0, n);
    expect(c2).toEqual(c1);
  });

  itNative('large products give the same bits on two threads as on one', () => {
    // 640M multiply-adds: rows, columns and k not multiples of the tiles or blocks (k > kc: several k
    // blocks; n > nc: several column blocks), B plain and transposed, alpha and beta applied
    const [m, n, k] = [701, 830, 1100];
    const a = randomArray(m * k, 21);
    const c0 = randomArray(m * n, 23);
    for (const tb of [false, true]) {
      const b = randomArray(k * n, 22);
      const ldb = tb ? k : n;
      const out = [1, 2].map((threads) => {
        native!.setThreads(threads);
        const c = Float32Array.from(c0);
        native!.sgemm(false, tb, m, n, k, 0.5, a, 0, k, b, 0, ldb, 1, c, 0, n);
        return c;
      });
      expect(differing(out[1], out[0])).toBe(0);
      // and it is the product: a few entries against float64
      for (const [i, j] of [
        [0, 0],
        [700, 829],
        [350, 417],
        [12, 31],
        [13, 32],
      ]) {
        let want = c0[i * n + j];
        for (let p = 0; p < k; p++) want += 0.5 * a[i * k + p] * (tb ? b[j * k + p] : b[p * n + j]);
        expect(Math.abs(out[1][i * n + j] - want)).toBeLessThan(1e-3 * (1 + Math.abs(want)));
      }
    }
    native!.setThreads(2);
  });

  itNative('splits the LSTM step, its backward, Adam and tanh across threads with the same result', () => {
    // sizes over the kernels' thresholds (2048 / 4096 elements, 16384 for Adam), odd so that the
    // ranges end mid-vector; 40 of 67 rows start from the previous step's cell state, so the split
    // (at row 33 or 34) falls inside that part and the offset of prevRows per range is exercised
    const [bs, H, n] = [67, 130, 100_003];
    const run = (threads: number) => {
      native!.setThreads(threads);
      const c = randomArray(bs * H, 3);
      const ws = new Float32Array(bs * 5 * H);
      const h = new Float32Array(bs * H);
      const y = new Float32Array(bs * H);
      native!.lstmStep(
        bs,
        H,
        randomArray(bs * 4 * H, 1),
        0,
        randomArray(bs * 4 * H, 2),
        0,
        c,
        0,
        ws,
        0,
        h,
        0,
        y,
        0,
      );
      const prevWs = randomArray(bs * 5 * H, 4).map(Math.abs);
      const dc = randomArray(bs * H, 5);
      const dg = new Float32Array(bs * 4 * H);
      native!.lstmBackwardStep(
        bs,
        H,
        ws,
        0,
        prevWs,
        0,
        40,
        randomArray(bs * H, 6),
        randomArray(bs * H, 7),
        0,
        dc,
        dg,
        0,
      );
      const [p1, m1, v1] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      const v = randomArray(n, 11).map(Math.abs);
      native!.adam(
        n,
        randomArray(n, 8),
        randomArray(n, 9),
        randomArray(n, 10),
        v,
        p1,
        m1,
        v1,
        0.9,
        0.999,
        1e-3,
        0.3,
        1e-8,
      );
      const act = new Float32Array(n);
      native!.unary(
        0,
        n,
        randomArray(n, 12).map((x) => 4 * x),
        act,
      );
      return [c, ws, h, y, dc, dg, p1, m1, v1, act];
    };
    const one = run(1);
    const two = run(2);
    native!.setThreads(2);
    for (const [i, a] of two.entries()) expect(differing(a, one[i])).toBe(0);
    // and the split itself computes the right thing: the rows from prevWs and from c0 differ
    expect(one[5].some((v) => v !== 0)).toBe(true);
  });

  itNative('is safe to call from several Node worker threads at once', async () => {
    const { Worker } = await import('node:worker_threads');
    const path = fileURLToPath(
      new URL(`../prebuilds/${process.platform}-${process.arch}/rnn_cpu.node`, import.meta.url),
    );
    const [m, n, k] = [120, 200, 300]; // large enough to run on two threads
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const mod = require(workerData.path);
      const { m, n, k, seed } = workerData;
      let s = seed;
      const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 1073741824 - 1);
      const a = Float32Array.from({ length: m * k }, rand), b = Float32Array.from({ length: k * n }, rand);
      const c = new Float32Array(m * n), again = new Float32Array(m * n);
      mod.sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
      let mismatches = 0;
      for (let i = 0; i < 300; i++) {
        mod.sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, again, 0, n);
        if (again.some((v, j) => v !== c[j])) mismatches++;
      }
      parentPort.postMessage({ a, b, c, mismatches });
    `;
    const runs = await Promise.all(
      [1, 2, 3].map(
        (seed) =>
          new Promise<{ a: Float32Array; b: Float32Array; c: Float32Array; mismatches: number }>(
            (resolve, reject) => {
              const w = new Worker(source, { eval: true, workerData: { path, m, n, k, seed } });
              w.once('message', (msg) => {
                resolve(msg);
                void w.terminate();
              });
              w.once('error', reject);
            },
          ),
      ),
    );
    native!.setThreads(2);
    for (const { a, b, c, mismatches } of runs) {
      expect(mismatches, 'products that differed from the same product run before').toBe(0);
      const want = new Float32Array(m * n);
      native!.sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, want, 0, n);
      expect(c).toEqual(want);
    }
  });

  itNative('gives the same result whether the helper thread is awake, asleep or just woken', async () => {
    native!.setThreads(2);
    // rows split (tall C), columns split (wide C, transposed B), and beta accumulation
    const cases: [boolean, boolean, number, number, number, number][] = [
      [false, false, 300, 64, 250, 0],
      [false, true, 40, 1500, 300, 1],
    ];
    for (const [ta, tb, m, n, k, beta] of cases) {
      const a = randomArray(m * k, 3);
      const b = randomArray(k * n, 4);
      const c0 = randomArray(m * n, 5);
      const run = () => {
        const c = Float32Array.from(c0);
        native!.sgemm(ta, tb, m, n, k, 1, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
        return c;
      };
      native!.setThreads(1);
      const want = run();
      native!.setThreads(2);
      for (let i = 0; i < 6; i++) {
        // the helper spins for ~2 ms after a product, then sleeps: alternate both states
        if (i % 2) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(run()).toEqual(want);
      }
    }
  });
});

it('setCpuAccelerator returns the previous accelerator', () => {
  const fake = { name: 'fake', sgemm: () => {} };
  expect(setCpuAccelerator(fake)).toBeNull();
  expect(setCpuAccelerator(null)).toBe(fake);
});

describe('pointwise kernels', () => {
  itNative('philoxUniform is bit for bit the pure JavaScript generator', () => {
    for (const [n, counter, key] of [
      [1001, 0, [0, 0]],
      [37, 2 ** 40 + 5, [0xdeadbeef, 12345]],
      [64, 2 ** 32 - 3, [1, 0xffffffff]],
    ] as [number, number, [number, number]][]) {
      const got = new Float32Array(n);
      native!.philoxUniform(n, counter, key[0], key[1], got);
      uninstallCpuNative();
      const want = random('uniform', [n], 'float32', key, counter);
      installCpuNative();
      expect(got).toEqual(want);
    }
  });

  itNative('softmaxXent and its backward match the float64 formulas, NaN and infinities included', () => {
    const [n, c] = [5, 37];
    const x = randomArray(n * c, 11).map((v) => v * 20);
    x[2 * c + 3] = Number.NaN; // row 2: NaN
    x[3 * c + 5] = Number.POSITIVE_INFINITY; // row 3: +inf
    for (let j = 0; j < c; j++) x[4 * c + j] = -1000 + j; // row 4: large negative logits
    const t = Int32Array.from([0, 36, 1, 2, c - 1]);
    const loss = new Float32Array(n);
    native!.softmaxXent(n, c, x, t, loss);
    const gy = Float32Array.from([1, -0.5, 1, 1, 2]);
    const dx = new Float32Array(n * c);
    native!.softmaxXentBackward(n, c, x, t, gy, dx);
    for (let r = 0; r < n; r++) {
      const row = Array.from(x.subarray(r * c, (r + 1) * c));
      const m = Math.max(...row.filter((v) => !Number.isNaN(v)));
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      const want = lse - row[t[r]];
      if (Number.isNaN(want)) expect(loss[r]).toBeNaN();
      else expect(Math.abs(loss[r] - want)).toBeLessThan(1e-5 * (1 + Math.abs(want)));
      for (let j = 0; j < c; j++) {
        const d = Math.exp(row[j] - lse) * gy[r] - (j === t[r] ? gy[r] : 0);
        if (Number.isNaN(d)) expect(dx[r * c + j]).toBeNaN();
        else expect(Math.abs(dx[r * c + j] - d)).toBeLessThan(1e-6 + 1e-5 * Math.abs(d));
      }
    }
    expect(() => native!.softmaxXent(n, c, x, Int32Array.from([0, 0, 0, 0, c]), loss)).toThrow(
      /out of range/,
    );
    expect(() => native!.softmaxXent(n, c, x, t, new Float32Array(n - 1))).toThrow(/too short/);
  });

  itNative('unary tanh / sigmoid / exp round the float64 functions, NaN and infinities included', () => {
    const special = [
      Number.NaN,
      Infinity,
      -Infinity,
      0,
      -0,
      1e-30,
      -1e-30,
      0.55,
      -0.55,
      88.8,
      -88,
      100,
      -104,
    ];
    const x = Float32Array.from([...randomArray(1001, 21).map((v) => v * 30), ...special]);
    const fns = [Math.tanh, (v: number) => 1 / (1 + Math.exp(-v)), Math.exp];
    fns.forEach((fn, op) => {
      const out = new Float32Array(x.length);
      native!.unary(op, x.length, x, out);
      let worstUlps = 0;
      x.forEach((v, i) => {
        const want = Math.fround(fn(v));
        if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) {
          expect(out[i], `op ${op} of ${v}`).toBe(want);
          return;
        }
        const ulp = Math.abs(Math.fround(want * (1 + 2 ** -23)) - want) || 1e-45;
        worstUlps = Math.max(worstUlps, Math.abs(out[i] - want) / ulp);
      });
      expect(worstUlps, `op ${op}`).toBeLessThanOrEqual(1);
    });
    expect(() => native!.unary(3, 4, x, new Float32Array(4))).toThrow(/bad op/);
    const loose = native!.unary as unknown as (...args: unknown[]) => void;
    expect(() => loose(0, 4, x)).toThrow(/^unary: expected 4 arguments$/);
    expect(() => native!.unary(0, 8, x, new Float32Array(4))).toThrow(/too short/);
  });

  itNative("concat writes each part's row in turn, for every outer row", () => {
    // along axis 0 (one row), along a later axis (rows of parts of different widths, one empty),
    // parts that are views into a larger buffer
    const cases: [number, number[]][] = [
      [1, [5, 1000, 3]],
      [7, [300, 0, 300, 2]],
      [64, [1, 17]],
    ];
    for (const [outer, widths] of cases) {
      const buffer = randomArray(outer * widths.reduce((a, b) => a + b, 0) + 11, outer);
      let at = 11;
      const parts = widths.map((w) => {
        const part = buffer.subarray(at, at + outer * w);
        at += outer * w;
        return part;
      });
      const want: number[] = [];
      for (let o = 0; o < outer; o++)
        parts.forEach((p, k) => {
          want.push(...p.subarray(o * widths[k], (o + 1) * widths[k]));
        });
      const out = new Float32Array(want.length).fill(Number.NaN);
      native!.concat(outer, parts, Float64Array.from([...widths, 99]), out);
      expect(differing(out, Float32Array.from(want)), `${outer} × [${widths}]`).toBe(0);
    }
    const two = [new Float32Array(4), new Float32Array(6)];
    expect(() => native!.concat(2, two, Float64Array.from([2, 3]), new Float32Array(9))).toThrow(
      /out is too short/,
    );
    expect(() => native!.concat(2, two, Float64Array.from([2, 4]), new Float32Array(12))).toThrow(
      /part is too short/,
    );
    expect(() => native!.concat(2, two, Float64Array.from([2]), new Float32Array(10))).toThrow(
      /length per part/,
    );
    expect(() => native!.concat(2, [], Float64Array.from([2]), new Float32Array(10))).toThrow(/1 to 64/);
  });

  itNative('sumMiddle sums the middle axis in double, in order, on one thread or two', () => {
    // [outer, r, inner]: columns, a running sum per row (inner 1), no rows at all, and three shapes
    // over the 2^20 elements where the threads split it (by columns, or by rows when inner is small)
    const shapes: [number, number, number][] = [
      [1, 5, 3],
      [3, 7, 1],
      [2, 0, 4],
      [4, 33, 1500],
      [1, 700, 1601],
      [2000, 600, 1],
      [5000, 50, 5],
    ];
    for (const [outer, r, inner] of shapes) {
      const x = randomArray(outer * r * inner, outer + r + inner).map((v) => v * 1e3);
      const want = new Float32Array(outer * inner);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += x[(o * r + k) * inner + i];
          want[o * inner + i] = s;
        }
      for (const threads of [1, 2]) {
        native!.setThreads(threads);
        const out = new Float32Array(outer * inner).fill(Number.NaN);
        native!.sumMiddle(outer, r, inner, x, out);
        expect(differing(out, want), `${outer}×${r}×${inner} on ${threads}`).toBe(0);
      }
    }
    native!.setThreads(2);
    expect(() => native!.sumMiddle(2, 3, 4, new Float32Array(23), new Float32Array(8))).toThrow(/too short/);
    expect(() => native!.sumMiddle(2, 3, 4, new Float32Array(24), new Float32Array(7))).toThrow(/too short/);
    expect(() => native!.sumMiddle(-1, 3, 4, new Float32Array(24), new Float32Array(8))).toThrow(/bad size/);
  });

  itNative('binaryRows broadcasts one row over the rows of the other operand, on either side', () => {
    const [rows, n] = [7, 150];
    const m = randomArray(rows * n, 41);
    const row = randomArray(n, 42).map((v) => v + 2); // away from zero for div
    const ops = [
      (x: number, y: number) => x + y,
      (x: number, y: number) => x - y,
      (x: number, y: number) => x * y,
      (x: number, y: number) => x / y,
    ];
    ops.forEach((f, op) => {
      const out = new Float32Array(rows * n);
      native!.binaryRows(op, rows, n, m, row, out, 1);
      expect(out).toEqual(m.map((v, i) => f(v, row[i % n])));
      native!.binaryRows(op, rows, n, row, m, out, 0);
      expect(out).toEqual(m.map((v, i) => f(row[i % n], v)));
    });
    expect(() => native!.binaryRows(0, rows, n, m, row, new Float32Array(5), 1)).toThrow(/too short/);
    expect(() => native!.binaryRows(0, rows, n, m, row, new Float32Array(rows * n), 2 as 0)).toThrow(
      /row operand/,
    );
  });

  itNative('unaryGrad is the tanh and sigmoid gradient from the output', () => {
    const y = Float32Array.from(randomArray(1003, 22).map((v) => v * 0.99));
    const g = Float32Array.from(randomArray(1003, 23).map((v) => v * 5));
    const out = new Float32Array(y.length);
    native!.unaryGrad(0, y.length, y, g, out);
    expect(out).toEqual(y.map((v, i) => g[i] * (1 - v * v)));
    native!.unaryGrad(1, y.length, y, g, out);
    expect(out).toEqual(y.map((v, i) => g[i] * (v * (1 - v))));
    expect(() => native!.unaryGrad(2, 4, y, g, out)).toThrow(/bad op/);
  });

  itNative('strided copies like the pure JavaScript kernel (slices, transposes, flips, broadcasts)', () => {
    const x = randomArray(6 * 7 * 40, 31);
    const cases: [number[], number[], number][] = [
      [[6, 7, 20], [280, 40, 1], 10], // narrow along the last axis
      [[7, 6, 40], [40, 280, 1], 0], // swap the leading axes, rows contiguous
      [[6, 40, 7], [280, 1, 40], 0], // a transpose of the last two axes (strided rows)
      [[6, 7, 40], [280, 40, -1], 39], // flip the last axis
      [[3, 6, 7, 40], [0, 280, 40, 1], 0], // broadcast a new leading axis
      [[1680], [1], 0],
      [[], [], 17],
      [[4, 0, 3], [1, 1, 1], 0],
    ];
    for (const [shape, strides, offset] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const got = new Float32Array(n);
      native!.strided(Float64Array.of(shape.length, offset, ...shape, ...strides), x, got);
      const want = new Float32Array(n);
      const idx = new Array(shape.length).fill(0);
      for (let k = 0; k < n; k++) {
        want[k] = x[offset + idx.reduce((s, v, d) => s + v * strides[d], 0)];
        for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
      }
      expect(got, `shape ${shape}`).toEqual(want);
    }
    const out = new Float32Array(100);
    expect(() => native!.strided(Float64Array.of(1, 1, 1680), x, out)).toThrow(/too short/);
    expect(() => native!.strided(Float64Array.of(1, 1, 1680, 1), x, new Float32Array(1680))).toThrow(
      /outside/,
    );
    expect(() => native!.strided(Float64Array.of(1, 0, 10, -1), x, out)).toThrow(/outside/);
    expect(() => native!.strided(Float64Array.of(1, 0, 200, 1), x, out)).toThrow(/too short/);
  });

  itNative('lstmStep matches the LSTM formulas and checks its operands', () => {
    const [bs, H] = [3, 21]; // 21: two 8-lane blocks and a scalar tail
    const xw = randomArray(4 * 4 * H, 1).map((v) => v * 4); // an extra row before: offset 4H
    const hh = randomArray(bs * 4 * H, 2);
    const c = randomArray(bs * H, 3);
    const c0 = Float64Array.from(c);
    const ws = new Float32Array(2 * 5 * H + bs * 5 * H);
    const h = new Float32Array(bs * H);
    const y = new Float32Array(H + bs * H);
    native!.lstmStep(bs, H, xw, 4 * H, hh, 0, c, 0, ws, 10 * H, h, 0, y, H);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    let worst = 0;
    for (let j = 0; j < bs; j++) {
      for (let k = 0; k < H; k++) {
        const pre = (q: number) => Math.fround(xw[(j + 1) * 4 * H + q * H + k] + hh[j * 4 * H + q * H + k]);
        const [i, f, g, o] = [sig(pre(0)), sig(pre(1)), Math.tanh(pre(2)), sig(pre(3))];
        const cn = f * c0[j * H + k] + i * g;
        const hn = o * Math.tanh(cn);
        const got = [c[j * H + k], h[j * H + k], y[(j + 1) * H + k], ws[10 * H + j * 5 * H + 2 * H + k]];
        [cn, hn, hn, g].forEach((want, q) => {
          worst = Math.max(worst, Math.abs(got[q] - want) / (1e-6 + Math.abs(want) + 1));
        });
      }
    }
    expect(worst).toBeLessThan(2e-6);
    expect(() => native!.lstmStep(bs, H, xw, 5 * H, hh, 0, c, 0, ws, 0, h, 0, y, 0)).toThrow(/long enough/);
  });
});
