/**
 * Where a workload's CPU step goes, kernel by kernel: times every call of the CPU backend's
 * primitives and fused kernels, and of the native kernels plugged in by `@rnn/cpu-native`, over a
 * few steps after warm-up, and prints milliseconds per step. Native calls are listed indented: they
 * run inside the backend calls (and inside fused kernels), so the two lists overlap.
 *
 *   node dist/probe.js [--workload D] [--steps 4] [--warmup 3] [--quick] [--shapes [FILE]]
 *
 * `--shapes` also lists the native GEMM's products by shape (m × n × k, transposes): calls, time and
 * GFLOPS per shape, the largest first, and grouped by their smallest dimension. With a FILE, every
 * shape is also written there as JSON (`[{ m, n, k, transA, transB, calls, ms }]`, per step), to
 * replay the step's products outside Node.
 *
 * A sampling profiler (`node --cpu-prof`) charges native time to whichever JavaScript frame it sees,
 * which is misleading for short native calls; this probe measures them directly (each timed call
 * costs ~1 µs more, so the step itself reads a little slower than in `run.js`).
 */
import { writeFileSync } from 'node:fs';
import { installCpuNative } from '@rnn/cpu-native';
import { type CpuAccelerator, getCpuAccelerator, manualSeed, setCpuAccelerator, tensor } from '@rnn/tensor';
import { PROBE_USAGE, parseProbeArgs } from './probe-args';
import { workloads } from './workloads/index';

type Fn = (...args: unknown[]) => unknown;

const parsed = parseProbeArgs(process.argv.slice(2), (id) => workloads.some((w) => w.id === id));
if (parsed === 'help' || 'error' in parsed) {
  if (parsed === 'help') console.log(PROBE_USAGE);
  else console.error(`probe: ${parsed.error}\n${PROBE_USAGE}`);
  process.exit(parsed === 'help' ? 0 : 2);
}
const args = parsed;
const { steps, warmup } = args;
const spec = workloads.find((w) => w.id === args.workload)!;

const status = installCpuNative();
const stats = new Map<string, { calls: number; ms: number; elements: number }>();
let timing = false;
/** Backend calls made from outside any other backend call (the ops' own calls), and their time. */
let depth = 0;
let outerCalls = 0;
let outerMs = 0;

/** Wraps `obj[key]` so that its calls are timed under `label` while `timing` is on. */
function time(obj: Record<string, unknown>, key: string, label: string): void {
  const f = obj[key] as Fn;
  obj[key] = (...args: unknown[]) => {
    if (!timing) return f(...args);
    const t0 = performance.now();
    depth++;
    let out: unknown;
    try {
      out = f(...args);
    } finally {
      depth--;
    }
    if (depth === 0 && key !== 'collectable') {
      // (`collectable` is the tensor layer's bookkeeping for each new tensor, not an op)
      outerCalls++;
      outerMs += performance.now() - t0;
    }
    const s = stats.get(label) ?? { calls: 0, ms: 0, elements: 0 };
    s.calls++;
    s.ms += performance.now() - t0;
    if (ArrayBuffer.isView(out)) s.elements += (out as unknown as ArrayLike<number>).length;
    stats.set(label, s);
    return out;
  };
}

/** The native GEMM's products by shape: `sgemm(transA, transB, m, n, k, ...)`. */
interface ShapeStats {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  calls: number;
  ms: number;
  flops: number;
}
const shapes = new Map<string, ShapeStats>();
const transposes = (transA: boolean, transB: boolean) => `${transA ? ', Aᵀ' : ''}${transB ? ', Bᵀ' : ''}`;
function recordShapes(obj: Record<string, unknown>, key: string): void {
  const f = obj[key] as Fn;
  obj[key] = (...args: unknown[]) => {
    if (!timing) return f(...args);
    const [transA, transB, m, n, k] = args as [boolean, boolean, number, number, number];
    const t0 = performance.now();
    const out = f(...args);
    const label = `${m} × ${n} × ${k}${transposes(transA, transB)}`;
    let s = shapes.get(label);
    if (!s) shapes.set(label, (s = { m, n, k, transA, transB, calls: 0, ms: 0, flops: 0 }));
    s.calls++;
    s.ms += performance.now() - t0;
    s.flops += 2 * m * n * k;
    return out;
  };
}

// Every CPU backend shares one kernel table per instance: wrap the default one's methods in place.
const backend = tensor([0]).backend as unknown as Record<string, unknown>;
for (const [key, value] of Object.entries(backend)) {
  if (typeof value === 'function' && !['fromArray', 'read', 'readSync', 'release', 'memory'].includes(key))
    time(backend, key, key);
}
for (const [name, kernel] of Object.entries(
  (backend.fused ?? {}) as Record<string, Record<string, unknown>>,
)) {
  time(kernel, 'forward', `fused ${name}`);
  if (kernel.backward) time(kernel, 'backward', `fused ${name} backward`);
}
const acc = getCpuAccelerator();
if (acc) {
  const wrapped: Record<string, unknown> = { name: acc.name };
  for (const [key, value] of Object.entries(acc as unknown as Record<string, unknown>)) {
    if (typeof value !== 'function') continue;
    wrapped[key] = (value as Fn).bind(acc);
    if (key === 'sgemm' && args.shapes) recordShapes(wrapped, key);
    time(wrapped, key, `  native ${key}`);
  }
  setCpuAccelerator(wrapped as unknown as CpuAccelerator);
}

manualSeed(0);
const config = args.quick ? spec.tiny : spec.full;
const w = spec.build(config, spec.data(config, 1234));
for (let i = 0; i < warmup; i++) w.step();
/** The id the next tensor gets: tensors made in between = the difference. */
const nextTensorId = () => {
  const t = tensor([0]);
  t.dispose();
  return t.id;
};
const id0 = nextTensorId();
timing = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) w.step();
const perStep = (performance.now() - t0) / steps;
timing = false;
const tensorsPerStep = (nextTensorId() - id0 - 1) / steps;
w.dispose();

console.log(`${spec.id}. ${spec.title}`);
console.log(`${status.reason}; ${perStep.toFixed(1)} ms per step (${steps} steps after ${warmup} warm-up)`);
// Everything outside the backend's calls is the tensor layer's own work (shape checks, tensor and
// autograd bookkeeping, the workload's JavaScript): per op, where an op is one backend call.
const ops = outerCalls / steps;
const outside = perStep - outerMs / steps;
console.log(
  `${ops.toFixed(0)} backend calls (ops) per step, ${tensorsPerStep.toFixed(0)} tensors made; ` +
    `${(outerMs / steps).toFixed(1)} ms in them; outside them ${outside.toFixed(1)} ms per step ` +
    `(${((100 * outside) / perStep).toFixed(0)} %), ${((1000 * outside) / ops).toFixed(2)} µs per op\n`,
);
console.log('| kernel | calls / step | ms / step | % of step | mean output elements |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [label, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  const ms = s.ms / steps;
  if (ms < 0.05) continue;
  const mean = s.elements ? Math.round(s.elements / s.calls).toString() : '';
  console.log(
    `| ${label} | ${(s.calls / steps).toFixed(0)} | ${ms.toFixed(1)} | ${((100 * ms) / perStep).toFixed(1)} | ${mean} |`,
  );
}

if (shapes.size > 0) {
  const file = args.shapesFile;
  if (file) {
    const list = [...shapes.values()].map(({ m, n, k, transA, transB, calls, ms }) => ({
      m,
      n,
      k,
      transA,
      transB,
      calls: calls / steps,
      ms: ms / steps,
    }));
    writeFileSync(file, `${JSON.stringify(list)}\n`);
  }
  const table = (title: string, rows: [string, { calls: number; ms: number; flops: number }][]) => {
    console.log(`\n| ${title} | calls / step | ms / step | GFLOPS |`);
    console.log('| --- | ---: | ---: | ---: |');
    for (const [label, s] of rows) {
      const gflops = s.flops / (s.ms / 1000) / 1e9;
      console.log(
        `| ${label} | ${(s.calls / steps).toFixed(1)} | ${(s.ms / steps).toFixed(1)} | ${gflops.toFixed(1)} |`,
      );
    }
  };
  const sorted = [...shapes].sort((a, b) => b[1].ms - a[1].ms);
  table('GEMM shape (m × n × k)', sorted.slice(0, 25));
  if (sorted.length > 25) console.log(`(${sorted.length - 25} more shapes)`);

  // The same products grouped by transposes and by their smallest dimension's size: many small
  // shapes (SPINN's batches change size each transition) add up where no single one shows.
  const groups = new Map<string, { calls: number; ms: number; flops: number }>();
  const all = { calls: 0, ms: 0, flops: 0 };
  for (const s of shapes.values()) {
    const small = Math.min(s.m, s.n, s.k);
    const which = small === s.m ? 'm' : small === s.n ? 'n' : 'k';
    const bucket = small < 16 ? '< 16' : small < 64 ? '16–63' : small < 256 ? '64–255' : '≥ 256';
    const key = `${which} ${bucket}${transposes(s.transA, s.transB)}`;
    const g = groups.get(key) ?? { calls: 0, ms: 0, flops: 0 };
    for (const t of [g, all]) {
      t.calls += s.calls;
      t.ms += s.ms;
      t.flops += s.flops;
    }
    groups.set(key, g);
  }
  console.log(
    `\nall products: ${(all.calls / steps).toFixed(0)} calls, ${(all.flops / steps / 1e9).toFixed(2)} GFLOP, ` +
      `${(all.ms / steps).toFixed(1)} ms per step (${(all.flops / (all.ms / 1000) / 1e9).toFixed(1)} GFLOPS)`,
  );
  table(
    'smallest dimension, transposes',
    [...groups].sort((a, b) => b[1].ms - a[1].ms),
  );
}
