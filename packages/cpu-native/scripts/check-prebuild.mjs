// Checks one prebuilt addon in whatever Node runs this script: the host's for linux-x64 (in CI, by
// test/prebuilds.test.ts), an arm64 Node under qemu-user, a Windows Node under Wine (both by
// scripts/test-prebuilds.sh). Every op runs twice, on @rnn/tensor's JavaScript kernels and with the
// addon plugged in, and the results must agree; every kernel of the addon must have been called.
//
//   node scripts/check-prebuild.mjs prebuilds/linux-arm64/rnn_cpu.node     (after `pnpm build`)
//
// RNN_CPU_CLASS=avx512|avx512-256|avx2 forces the GEMM's machine class (the script fails when the
// addon runs another one: a class this CPU cannot run is an error here, not a fallback).
import { resolve } from 'node:path';
import { Adam, Embedding, LSTM, SGD } from '@rnn/nn';
import * as T from '@rnn/tensor';
import { loadCpuNative, nativeLoadError } from '../dist/index.js';

const path = process.argv[2] && resolve(process.argv[2]);
if (!path) throw new Error('usage: node scripts/check-prebuild.mjs <path of rnn_cpu.node>');
const forced = process.env.RNN_CPU_CLASS || undefined;
const native = loadCpuNative({ path, threads: 2, machineClass: forced });
if (!native) {
  console.error(`FAIL: the addon did not load: ${nativeLoadError()}`);
  process.exit(1);
}
const gemm = native.machine.gemmConfig();
if (forced && gemm.machineClass !== forced) {
  console.error(`FAIL: RNN_CPU_CLASS=${forced} but the GEMM runs ${gemm.machineClass} (${gemm.reason})`);
  process.exit(1);
}

// Count the calls of every kernel, so the script proves each one ran.
const calls = {};
const counted = { name: native.name };
for (const [key, fn] of Object.entries(native)) {
  if (typeof fn !== 'function' || key === 'setThreads' || key === 'getThreads') continue;
  calls[key] = 0;
  counted[key] = (...args) => {
    calls[key]++;
    return fn(...args);
  };
}

const failures = [];
let checks = 0;

/** Runs `fn` on the JavaScript kernels and with the addon (same seed), compares what it returns. */
function same(name, fn, { rtol = 1e-5, atol = 1e-6, exact = false } = {}) {
  const run = (acc) => {
    T.setCpuAccelerator(acc);
    T.manualSeed(7);
    const out = fn();
    return (Array.isArray(out) ? out : [out]).map((t) => Float64Array.from(t.dataSync()));
  };
  const js = run(null);
  const nat = run(counted);
  T.setCpuAccelerator(null);
  let worst = 0;
  js.forEach((a, k) => {
    const b = nat[k];
    if (a.length !== b.length)
      failures.push(`${name}: output ${k} has ${b.length} elements, expected ${a.length}`);
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
      if (a[i] === b[i]) continue;
      const err = Math.abs(a[i] - b[i]);
      if (exact || !(err <= atol + rtol * Math.abs(a[i]))) {
        failures.push(`${name}: output ${k}[${i}] is ${b[i]} with the addon, ${a[i]} in JavaScript`);
        return;
      }
      worst = Math.max(worst, err / (Math.abs(a[i]) + atol));
    }
  });
  checks++;
  return worst;
}

const { randn, rand, tensor } = T;
const special = (n) => {
  const x = randn([n]).mul(6).dataSync();
  x.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 40, -40, 700, -700], 0);
  return tensor(x);
};

// GEMM: shapes around the micro-tile sizes of every kernel (12 x 32, 6 x 16, 8 x 12), both
// transposes, batches, products large enough for the worker threads, and `linear`'s x · Wᵀ.
for (const [m, k, n] of [
  [1, 1, 1],
  [5, 7, 3],
  [13, 31, 29],
  [8, 12, 12],
  [25, 33, 37],
  [64, 128, 96],
  [130, 257, 129],
  [300, 200, 500],
  // more than one k block and one column block of every class (kc up to 512, nc down to 384),
  // with partial tiles; the first with few enough rows to read B in place
  [40, 1100, 450],
  [150, 1100, 530],
]) {
  // sums of k products in another order: float32 rounding grows with sqrt(k)
  const tol = k > 512 ? { rtol: 1e-4, atol: 1e-4 } : {};
  same(`matmul ${m}x${k}x${n}`, () => randn([m, k]).matmul(randn([k, n])), tol);
  same(
    `matmul Aᵀ·B ${m}x${k}x${n}`,
    () =>
      randn([k, m])
        .t()
        .matmul(randn([k, n])),
    tol,
  );
  same(`matmul A·Bᵀ ${m}x${k}x${n}`, () => randn([m, k]).matmul(randn([n, k]).t()), tol);
}
same('batched matmul', () => randn([3, 17, 19]).matmul(randn([3, 19, 23])));
same('linear x·Wᵀ (a few rows, packed B)', () => randn([8, 300]).matmul(randn([1500, 300]).t()));

// Pointwise (computed in double, rounded once: equal to JavaScript's up to the last float bit).
for (const op of ['tanh', 'sigmoid', 'exp'])
  same(`${op}`, () => special(4099)[op](), { rtol: 2e-7, atol: 0 });
for (const op of ['tanh', 'sigmoid']) {
  same(`${op} backward`, () => {
    const x = randn([4097]).mul(3).requiresGrad_();
    x[op]()
      .mul(randn([4097]))
      .sum()
      .backward();
    return x.grad;
  });
}
for (const op of ['add', 'sub', 'mul', 'div']) {
  same(`${op} same shape`, () => randn([64, 1000])[op](randn([64, 1000]).add(op === 'div' ? 3 : 0)));
  same(`${op} row broadcast`, () => randn([64, 1000])[op](randn([1000]).add(op === 'div' ? 3 : 0)));
  same(`${op} row broadcast (row first)`, () =>
    randn([1000])
      .add(op === 'div' ? 3 : 0)
      [op](randn([64, 1000])),
  );
}

// Softmax cross-entropy, forward and backward.
same('softmaxCrossEntropy', () => {
  const logits = randn([64, 1000]).mul(4).requiresGrad_();
  const loss = T.softmaxCrossEntropy(logits, T.randint(0, 1000, [64]));
  loss
    .mul(randn([64]))
    .sum()
    .backward();
  return [loss, logits.grad];
});

// Data movement: transposes, strided copies, gathers and scatter-adds.
same('transpose 300x500', () => randn([300, 500]).t().clone());
same('permute [16, 33, 70] → [2, 0, 1]', () => randn([16, 33, 70]).permute([2, 0, 1]).clone());
same('slice with a step', () => T.slice(randn([40, 600]), 1, 3, 590, 2).clone());
same('embedding forward and backward', () => {
  const emb = new Embedding(1000, 64);
  const ids = T.randint(0, 1000, [32, 16]);
  const out = emb.forward(ids);
  out.mul(randn(out.shape)).sum().backward();
  return [out, emb.weight.grad];
});

// The fused LSTM layer (the LSTM step kernels inside it), forward and backward, two layers.
same(
  'LSTM, 2 layers, forward and backward',
  () => {
    const lstm = new LSTM(32, 64, { numLayers: 2 });
    const x = randn([10, 8, 32]).requiresGrad_();
    const [y, [h, c]] = lstm.forward(x);
    y.mul(randn(y.shape)).sum().add(h.sum()).add(c.sum()).backward();
    return [y, h, c, x.grad, ...lstm.parameters().map((p) => p.grad)];
  },
  { rtol: 1e-4, atol: 1e-5 },
);

// Optimizer updates.
for (const [name, make] of [
  ['Adam', (p) => new Adam(p, { lr: 1e-2 })],
  ['SGD with momentum', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['SGD', (p) => new SGD(p, { lr: 0.1 })],
]) {
  same(`${name}, two steps`, () => {
    const w = randn([4096]).requiresGrad_();
    const opt = make([w]);
    for (let step = 0; step < 2; step++) {
      opt.zeroGrad();
      w.mul(randn([4096]))
        .sum()
        .backward();
      opt.step();
    }
    return w.detach();
  });
}

// Random numbers: bit for bit the CPU backend's Philox stream.
same('rand (Philox)', () => rand([10_001]), { exact: true });

// The machine: cpuid (x86-64), and the FMA peak of each width this CPU runs, timed by the wall clock
// and by each thread's CPU time (a different clock on each platform).
const cpu = native.machine.cpuInfo();
const widths = process.arch === 'x64' ? [256, 512] : [128];
const peaks = widths.map((bits) => [bits, native.machine.fmaPeak(2, bits, 0.02)]);
for (const [bits, p] of peaks) {
  const runs = process.arch !== 'x64' || bits === 256 || cpu.features.avx512f;
  if (runs !== (p.gflops > 0 && p.gflopsByCpuTime > 0))
    failures.push(`fmaPeak ${bits} bits: ${JSON.stringify(p)} (cpu ${JSON.stringify(cpu.features)})`);
}
if (process.arch === 'x64' && !(cpu.family > 0 && cpu.caches.some((c) => c.level === 1)))
  failures.push(`cpuInfo: ${JSON.stringify(cpu)}`);

const unused = Object.entries(calls)
  .filter(([, n]) => n === 0)
  .map(([k]) => k);
if (unused.length) failures.push(`kernels never called: ${unused.join(', ')}`);

console.log(
  `${process.platform}-${process.arch} ${native.name} (class ${gemm.machineClass}: ${gemm.kernel} ${gemm.mr}x${gemm.nr}, kc ${gemm.kc} mc ${gemm.mc} nc ${gemm.nc}, ${gemm.order}): ${checks} checks, ${Object.keys(calls).length} kernels called ` +
    `(${Object.entries(calls)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
);
console.log(
  `${cpu.vendor} family ${cpu.family} model ${cpu.model}, ${cpu.caches.length} caches; FMA peak on 2 threads ` +
    peaks
      .map(
        ([bits, p]) =>
          `${bits}-bit ${p.gflops.toFixed(0)} GFLOPS (${p.gflopsByCpuTime.toFixed(0)} by CPU time)`,
      )
      .join(', '),
);
if (failures.length) {
  console.error(`FAIL:\n${failures.slice(0, 20).join('\n')}`);
  process.exit(1);
}
console.log('ok');
