// CPU float32 matmul throughput of @rnn's built-in CPU backend, side by side with PyTorch.
//
//   pnpm bench                          (from the repo root: builds @rnn/tensor first)
//   node bench/matmul.mjs [256 512 ...] (from packages/tensor, after `pnpm build`)
//
// For each size n: @rnn multiplies two random n x n float32 matrices (warm-up, then the median of
// several timed runs), then, when `/usr/bin/python3 -c 'import torch'` works, bench/matmul_torch.py
// measures PyTorch at the same size. The two alternate size by size so machine noise hits both alike.
// GFLOPS = 2·n³ / time. Results go to bench-results/matmul.json at the repo root. Informational only:
// nothing here fails on a slow result.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { manualSeed, matmul, memory, rand } from '../dist/index.js';

// RNN_BENCH_PYTHON picks another interpreter (e.g. a virtualenv's, or a missing one to skip PyTorch).
const PYTHON = process.env.RNN_BENCH_PYTHON || '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./matmul_torch.py', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../../bench-results/', import.meta.url));
const TORCH_THREADS = 2;
const TORCH_ENV = { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(TORCH_THREADS) };

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
if (sizes.length === 0) sizes.push(256, 512, 1024, 2048);

// ------------------------------------------------------------------ the machine
function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

const machine = {
  cpu: cpuModel(),
  cores: os.availableParallelism?.() ?? os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
};

// ------------------------------------------------------------------ @rnn
/** Repetitions per size: 1024³ in plain JavaScript takes seconds, so large sizes get fewer. */
function plan(n) {
  if (n >= 1024) return { warmup: 1, minRuns: 3, maxRuns: 5, minTimeMs: 3000 };
  if (n >= 512) return { warmup: 2, minRuns: 5, maxRuns: 9, minTimeMs: 2000 };
  return { warmup: 3, minRuns: 7, maxRuns: 31, minTimeMs: 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Spot-checks a few entries of `c = a @ b` against float64 dot products (guards against timing a wrong kernel). */
function spotCheck(a, b, c, n) {
  const A = a.dataSync();
  const B = b.dataSync();
  const C = c.dataSync();
  for (const [i, j] of [
    [0, 0],
    [n - 1, n - 1],
    [n >> 1, n >> 2],
  ]) {
    let ref = 0;
    for (let p = 0; p < n; p++) ref += A[i * n + p] * B[p * n + j];
    if (Math.abs(C[i * n + j] - ref) > 1e-3 * Math.abs(ref) + 1e-3) {
      throw new Error(`matmul ${n}: c[${i},${j}] = ${C[i * n + j]}, expected ${ref}`);
    }
  }
}

function benchRnn(n) {
  manualSeed(0);
  const a = rand([n, n]);
  const b = rand([n, n]);
  const { warmup, minRuns, maxRuns, minTimeMs } = plan(n);
  for (let i = 0; i < warmup; i++) {
    const c = matmul(a, b);
    if (i === 0) spotCheck(a, b, c, n);
    c.dispose();
  }
  const times = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minTimeMs && times.length < maxRuns)) {
    const t0 = performance.now();
    const c = matmul(a, b);
    times.push(performance.now() - t0);
    c.dispose();
  }
  a.dispose();
  b.dispose();
  const s = median(times) / 1000;
  return { n, runs: times.length, median_s: s, gflops: (2 * n ** 3) / s / 1e9 };
}

// ------------------------------------------------------------------ PyTorch
function torchAvailable() {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/** Runs matmul_torch.py for one size; `{ error }` if it fails. */
function benchTorch(n) {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, '--threads', String(TORCH_THREADS), String(n)], {
    env: { ...process.env, ...TORCH_ENV },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0)
    return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop() };
  try {
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    return { ...out.results[0], torch: out.torch, threads: out.threads };
  } catch (e) {
    return { error: `unreadable output from ${TORCH_SCRIPT}: ${e.message}` };
  }
}

// ------------------------------------------------------------------ run
console.log('@rnn matmul benchmark (CPU backend, float32)');
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}`);
const haveTorch = torchAvailable();
if (!haveTorch) {
  console.log(`PyTorch: not available (\`${PYTHON} -c 'import torch'\` failed); showing @rnn's figures only`);
}

const t0 = performance.now();
const rows = [];
let torchInfo = null;
for (const n of sizes) {
  const rnn = benchRnn(n);
  const torch = haveTorch ? benchTorch(n) : null;
  if (torch && !torch.error) torchInfo ??= { version: torch.torch, threads: torch.threads };
  if (torch?.error) console.log(`PyTorch failed at n=${n}: ${torch.error}`);
  const ok = torch && !torch.error;
  rows.push({
    n,
    rnn: { runs: rnn.runs, median_s: rnn.median_s, gflops: rnn.gflops },
    torch: ok ? { runs: torch.runs, median_s: torch.median_s, gflops: torch.gflops } : null,
    // PyTorch time / @rnn time: above 1 means @rnn is faster.
    ratio: ok ? torch.median_s / rnn.median_s : null,
  });
}
if (torchInfo) {
  console.log(
    `PyTorch: ${torchInfo.version}, ${torchInfo.threads} threads ` +
      `(OMP_WAIT_POLICY=${TORCH_ENV.OMP_WAIT_POLICY} OPENBLAS_NUM_THREADS=${TORCH_ENV.OPENBLAS_NUM_THREADS}); @rnn: 1 thread`,
  );
}

// ------------------------------------------------------------------ report
const fmt = (x, digits) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const table = [
  ['size', '@rnn GFLOPS', 'PyTorch GFLOPS', 'ratio (torch time / @rnn time)'],
  ...rows.map((r) => [
    String(r.n),
    fmt(r.rnn.gflops, 2),
    fmt(r.torch?.gflops, 2),
    r.ratio === null ? 'n/a' : r.ratio.toPrecision(3),
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
const line = (row) =>
  row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
console.log();
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table.slice(1)) console.log(line(row));
console.log();
console.log(
  'ratio above 1 means @rnn is faster; medians of',
  rows.map((r) => `${r.rnn.runs} (n=${r.n})`).join(', '),
  '@rnn runs',
);

const result = {
  benchmark: 'matmul',
  dtype: 'float32',
  date: new Date().toISOString(),
  machine,
  torch: haveTorch ? (torchInfo ?? { error: 'failed' }) : null,
  torchEnv: haveTorch ? TORCH_ENV : null,
  results: rows,
  totalSeconds: (performance.now() - t0) / 1000,
  liveTensorsAfter: memory().tensors,
};
mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}matmul.json`;
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${file} (${result.totalSeconds.toFixed(1)} s)`);
