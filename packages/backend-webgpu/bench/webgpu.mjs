// WebGPU figures of @rnn: matmul GFLOPS (tiled and simple kernels), the time of one LSTM layer
// (the fused rnnLayer kernel, forward + backward over a sequence) and of one LSTM language-model
// training step, each beside the CPU backend on the same machine.
//
//   pnpm bench                   (from the repo root: builds first)
//   node bench/webgpu.mjs        (from packages/backend-webgpu, after `pnpm build`)
//
// In Node the adapter comes from Dawn (npm `webgpu`). On a machine without a GPU this script re-runs
// itself with VK_ICD_FILENAMES pointing at SwiftShader (Debian's chromium package) when that exists;
// such figures are marked "SwiftShader (CPU-emulated)": they measure a CPU emulating a GPU, not a GPU.
// Results go to bench-results/webgpu.json at the repo root. Informational only: nothing fails on a slow result.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createCpuBackend,
  keep,
  lstmCell,
  manualSeed,
  matmul,
  noGrad,
  rand,
  registerBackend,
  rnnLayer,
  scope,
  softmaxCrossEntropy,
  tensor,
  tidy,
  zeros,
} from '@rnn/tensor';
import { create } from 'webgpu';
import { createWebGPUBackend } from '../dist/index.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const RESULTS_DIR = fileURLToPath(new URL('../../../bench-results/', import.meta.url));

// ------------------------------------------------------------------ the adapter
const gpu = create(['backend=vulkan']);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD },
    });
    process.exit(r.status ?? 1);
  }
  console.log(
    'WebGPU benchmark: no WebGPU adapter on this machine (install a GPU driver, or chromium for SwiftShader)',
  );
  process.exit(0);
}
const backend = await createWebGPUBackend({ gpu });
registerBackend('webgpu', () => backend, { priority: 10 });
const cpuBackend = createCpuBackend('cpu-bench');
registerBackend('cpu-bench', () => cpuBackend);
const info = backend.adapter;
const emulated = info.software;
const label = emulated ? 'SwiftShader (CPU-emulated)' : 'GPU';

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism?.() ?? os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
};

console.log(
  `@rnn WebGPU benchmark — adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim(),
);
if (emulated) {
  console.log('*** SwiftShader (CPU-emulated): a software Vulkan driver runs the kernels on the CPU. ***');
  console.log('*** These figures say nothing about GPU speed; they only show the backend works.      ***');
}
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Median seconds of `fn` (async: it must wait for its own result), after one warm-up run. */
async function time(fn, { minRuns = 3, maxRuns = 15, minTimeMs = 1500 } = {}) {
  await fn();
  const times = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minTimeMs && times.length < maxRuns)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { runs: times.length, median_s: median(times) / 1000 };
}

// ------------------------------------------------------------------ matmul
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
if (sizes.length === 0) sizes.push(...(emulated ? [128, 256, 512] : [256, 512, 1024, 2048]));

async function benchMatmul(n, kernel, name) {
  manualSeed(0);
  backend.context.options.matmulKernel = kernel;
  const a = rand([n, n], { backend: name });
  const b = rand([n, n], { backend: name });
  // One matmul per run, then a one-element read: waits for the GPU without timing a big copy.
  const r = await time(() =>
    scope(async () => {
      const c = matmul(a, b);
      await c
        .reshape([n * n])
        .slice(0, 0, 1)
        .data();
    }),
  );
  a.dispose();
  b.dispose();
  backend.context.options.matmulKernel = 'auto';
  return { ...r, gflops: (2 * n ** 3) / r.median_s / 1e9 };
}

const matmulRows = [];
for (const n of sizes) {
  const tiled = await benchMatmul(n, 'tiled', 'webgpu');
  const simple = await benchMatmul(n, 'simple', 'webgpu');
  const cpu = await benchMatmul(n, 'auto', 'cpu-bench');
  matmulRows.push({ n, tiled, simple, cpu });
}

// ------------------------------------------------------------------ LSTM language-model step
const LM = emulated ? { V: 50, E: 32, H: 64, B: 16, T: 16 } : { V: 10000, E: 256, H: 512, B: 64, T: 35 };

function lmModel(name) {
  manualSeed(1);
  const u = (shape, s) =>
    keep(
      tidy(() =>
        noGrad(() =>
          rand(shape, { backend: name })
            .sub(0.5)
            .mul(2 * s),
        ),
      ).requiresGrad_(),
    );
  const { V, E, H } = LM;
  const k = 1 / Math.sqrt(H);
  return [u([V, E], 1), u([E, 4 * H], k), u([H, 4 * H], k), u([4 * H], k), u([H, V], k), u([V], k)];
}

/** One training step: T LSTM steps forward, backward, SGD; one read of the loss. */
async function lmStep(name, params, tokens) {
  const [emb, wIh, wHh, bias, wOut, bOut] = params;
  const { B, H, T } = LM;
  return scope(async () => {
    let h = zeros([B, H], { backend: name });
    let c = zeros([B, H], { backend: name });
    let total = null;
    for (let t = 0; t < T; t++) {
      const x = emb.indexSelect(0, tokens[t]);
      [h, c] = lstmCell(x.matmul(wIh).add(h.matmul(wHh)).add(bias), c);
      const l = softmaxCrossEntropy(h.matmul(wOut).add(bOut), tokens[t + 1]).mean();
      total = total ? total.add(l) : l;
    }
    const loss = total.div(T);
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.assign(p.sub(p.grad.mul(0.1)));
        p.grad.dispose();
        p.grad = null;
      }
    });
    return loss.item();
  });
}

async function benchLm(name) {
  const params = lmModel(name);
  const tokens = Array.from({ length: LM.T + 1 }, (_, t) =>
    keep(
      tensor(
        Int32Array.from({ length: LM.B }, (_, b) => (t * 31 + b * 17) % LM.V),
        { backend: name },
      ),
    ),
  );
  const r = await time(() => lmStep(name, params, tokens), { minRuns: 3, maxRuns: 10, minTimeMs: 2000 });
  for (const t of [...params, ...tokens]) t.dispose();
  return r;
}

// ------------------------------------------------------------------ LSTM layer (fused rnnLayer)
const LAYER = emulated ? { I: 64, H: 128, B: 16, T: 32 } : { I: 512, H: 512, B: 64, T: 64 };

/** Forward and backward of one LSTM layer over T steps (one fused kernel each way); one read. */
async function benchLayer(name) {
  manualSeed(2);
  const { I, H, B, T } = LAYER;
  const k = 1 / Math.sqrt(H);
  const u = (shape, s) =>
    keep(
      tidy(() =>
        noGrad(() =>
          rand(shape, { backend: name })
            .sub(0.5)
            .mul(2 * s),
        ),
      ).requiresGrad_(),
    );
  const [wIh, wHh, bIh, bHh] = [u([4 * H, I], k), u([4 * H, H], k), u([4 * H], k), u([4 * H], k)];
  const x = keep(tidy(() => rand([T * B, I], { backend: name }).sub(0.5)));
  const batchSizes = Array.from({ length: T }, () => B);
  const r = await time(
    () =>
      scope(async () => {
        const h0 = zeros([B, H], { backend: name });
        const c0 = zeros([B, H], { backend: name });
        const { y } = rnnLayer({ x, h0, c0, wIh, wHh, bIh, bHh }, { mode: 'lstm', batchSizes });
        y.sum().backward();
        await wIh.grad
          .reshape([4 * H * I])
          .slice(0, 0, 1)
          .data();
        for (const p of [wIh, wHh, bIh, bHh]) {
          p.grad.dispose();
          p.grad = null;
        }
      }),
    { minRuns: 3, maxRuns: 10, minTimeMs: 2000 },
  );
  for (const t of [wIh, wHh, bIh, bHh, x]) t.dispose();
  return { ...r, ms_per_time_step: (r.median_s * 1000) / T };
}

const layerGpu = await benchLayer('webgpu');
const layerCpu = await benchLayer('cpu-bench');

const lmGpu = await benchLm('webgpu');
const lmCpu = await benchLm('cpu-bench');

// ------------------------------------------------------------------ report
const f = (x, d = 2) => x.toFixed(d);
console.log();
console.log(`matmul float32, n x n @ n x n (${label}; CPU = @rnn CPU backend, 1 thread)`);
console.log('size   tiled GFLOPS  simple GFLOPS  CPU GFLOPS  best WebGPU / CPU');
for (const r of matmulRows) {
  const best = Math.max(r.tiled.gflops, r.simple.gflops);
  console.log(
    `${String(r.n).padEnd(5)}  ${f(r.tiled.gflops).padStart(12)}  ${f(r.simple.gflops).padStart(13)}  ${f(r.cpu.gflops).padStart(10)}  ${f(best / r.cpu.gflops, 3).padStart(17)}`,
  );
}
console.log();
console.log(
  `LSTM layer, fused rnnLayer forward + backward (input ${LAYER.I}, hidden ${LAYER.H}, batch ${LAYER.B}, ${LAYER.T} time steps):`,
);
console.log(
  `  WebGPU (${label}): ${f(layerGpu.median_s * 1000, 1)} ms (${f(layerGpu.ms_per_time_step, 2)} ms per time step, median of ${layerGpu.runs})`,
);
console.log(
  `  CPU backend:      ${f(layerCpu.median_s * 1000, 1)} ms (${f(layerCpu.ms_per_time_step, 2)} ms per time step, median of ${layerCpu.runs})`,
);
console.log(
  `  CPU time / WebGPU time: ${f(layerCpu.median_s / layerGpu.median_s, 3)} (above 1: WebGPU is faster)`,
);
console.log();
console.log(
  `LSTM LM training step (V=${LM.V}, E=${LM.E}, H=${LM.H}, batch ${LM.B}, ${LM.T} time steps; fused lstmCell and cross-entropy):`,
);
console.log(`  WebGPU (${label}): ${f(lmGpu.median_s * 1000, 1)} ms/step (median of ${lmGpu.runs})`);
console.log(`  CPU backend:      ${f(lmCpu.median_s * 1000, 1)} ms/step (median of ${lmCpu.runs})`);
console.log(`  CPU time / WebGPU time: ${f(lmCpu.median_s / lmGpu.median_s, 3)} (above 1: WebGPU is faster)`);

const result = {
  benchmark: 'webgpu',
  date: new Date().toISOString(),
  machine,
  adapter: info,
  emulated,
  note: emulated ? 'SwiftShader (CPU-emulated): not GPU speed' : undefined,
  matmul: matmulRows,
  lstmLayer: { config: LAYER, webgpu: layerGpu, cpu: layerCpu },
  lstmStep: { config: LM, webgpu: lmGpu, cpu: lmCpu },
  stats: backend.stats(),
};
mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}webgpu.json`;
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${file}`);
backend.destroy();
process.exit(0);
