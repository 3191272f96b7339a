/**
 * The GPU check of @rnn/backend-cuda in one command (bundled by bundle.mjs into .device/gpu.mjs and run
 * on the GPU machine by gpu-run.sh; see the package README, "Checking on a GPU"):
 *
 *   node .device/gpu.mjs [probe] [conformance] [parity] [soak] [bench] [all] --out DIR
 *        [--backend cuda|cpu] [--soak-steps 10000] [--bench-steps 20] [--bench-warmup 3]
 *        [--workloads A,B,C,D] [--python python3] [--no-torch] [--torch-device cuda]
 *        [--filter REGEXP] [--quick]
 *
 * - probe: what the probe finds (GPU, driver, NVRTC / prebuilt PTX, cuBLAS);
 * - conformance: `@rnn/tensor`'s whole conformance suite on the backend (float64 included);
 * - parity: `@rnn/nn`'s PyTorch-parity test files (recurrent layers, Linear / Embedding / LayerNorm,
 *   norms and activations) with the backend as the default one;
 * - soak: 10k steps of the PTB LSTM language-model loop (no tidy, no dispose, one await per step),
 *   memory sampled every 500 steps; fails when it grows;
 * - bench: workloads A–D of packages/bench, @rnn on the backend against PyTorch (+cuDNN) on the same
 *   GPU, steps alternating, median ms/step, writes bench.md (the docs/benchmarks.md table).
 *
 * Everything goes to DIR: results.json (the summary), one .log per task, bench.md. The last line is
 * `N passed, M failed`. Exit status 0 when everything passed, 1 when something failed, 2 when the
 * backend is unavailable (the probe's reason is printed and written). `--backend cpu` runs the same
 * harness on the CPU backend, and `--quick` shrinks the soak and bench models: how the script itself
 * is tested without a GPU (test/gpu-script.test.ts).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type Backend, getBackend, memory, registerBackend, setBackend } from '@rnn/tensor';
import { lmLoop, TUTORIAL_LM } from '../../bench/src/soak/loops';
import { type Workload, workloads } from '../../bench/src/workloads/index';
import { type CudaBackend, createCudaBackend, probeCuda } from '../src/index';
import { run, type TestResult } from './runner';

const TASKS = ['probe', 'conformance', 'parity', 'soak', 'bench'] as const;
/** `selftest` (not part of `all`) checks the harness itself: one passing and one failing test. */
type Task = (typeof TASKS)[number] | 'selftest';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'gpu-results' },
    backend: { type: 'string', default: 'cuda' },
    'soak-steps': { type: 'string', default: '10000' },
    'soak-every': { type: 'string', default: '500' },
    'bench-steps': { type: 'string', default: '20' },
    'bench-warmup': { type: 'string', default: '3' },
    workloads: { type: 'string', default: 'A,B,C,D' },
    python: { type: 'string', default: process.env.RNN_BENCH_PYTHON || 'python3' },
    'no-torch': { type: 'boolean', default: false },
    filter: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'torch-device': { type: 'string', default: 'cuda' },
  },
});

const unknown = positionals.filter((p) => p !== 'all' && p !== 'selftest' && !TASKS.includes(p as never));
if (unknown.length) {
  console.error(`unknown task(s) ${unknown.join(', ')}: expected ${TASKS.join(', ')} or all`);
  process.exit(64);
}
if (values.backend !== 'cuda' && values.backend !== 'cpu') {
  console.error(`--backend must be cuda or cpu, got ${values.backend}`);
  process.exit(64);
}
const tasks: Task[] =
  positionals.length === 0 || positionals.includes('all') ? [...TASKS] : (positionals as Task[]);
const out = values.out!;
mkdirSync(out, { recursive: true });
const summary: Record<string, unknown> = {
  started: new Date().toISOString(),
  tasks,
  backend: values.backend,
};
const saveSummary = () => writeFileSync(join(out, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);

function logger(task: string): (line: string) => void {
  const file = join(out, `${task}.log`);
  writeFileSync(file, '');
  return (line) => {
    console.log(`[${task}] ${line}`);
    appendFileSync(file, `${line}\n`);
  };
}

let passed = 0;
let failed = 0;
const count = (ok: boolean) => (ok ? passed++ : failed++);

// ------------------------------------------------------------------ the backends under test

/** The backend without synchronous reads (the contract's async path), for the conformance suite. */
let asyncBackend: Backend | undefined;
/** The backend with `syncReads` (parity tests and the bench read with dataSync / itemSync). */
let syncBackend: Backend | undefined;

async function backends(): Promise<void> {
  if (values.backend === 'cpu') {
    asyncBackend = syncBackend = await setBackend('cpu');
    return;
  }
  asyncBackend = await createCudaBackend({ name: 'cuda' });
  syncBackend = await createCudaBackend({ name: 'cuda-sync', syncReads: true });
  registerBackend('cuda', () => asyncBackend!, { priority: 20 });
  registerBackend('cuda-sync', () => syncBackend!, { priority: 19 });
}

// ------------------------------------------------------------------ tasks

async function probeTask(): Promise<boolean> {
  const log = logger('probe');
  if (values.backend === 'cpu') {
    log('backend cpu: no probe');
    return true;
  }
  const p = probeCuda();
  summary.probe = p;
  log(`${p.available ? 'available' : 'UNAVAILABLE'}: ${p.reason}`);
  for (const n of p.notes) log(`note: ${n}`);
  log(`libraries: ${JSON.stringify(p.libraries)}`);
  return p.available;
}

async function testTask(task: 'conformance' | 'parity', register: () => Promise<void>): Promise<void> {
  const log = logger(task);
  const t0 = performance.now();
  await register();
  const filter = values.filter ? new RegExp(values.filter) : undefined;
  const results: TestResult[] = await run({ log, filter });
  const bad = results.filter((r) => !r.ok);
  for (const r of results) count(r.ok);
  summary[task] = {
    tests: results.length,
    failed: bad.length,
    seconds: (performance.now() - t0) / 1000,
    failures: bad.map((r) => ({ name: r.name, error: r.error?.slice(0, 2000) })),
  };
  log(
    `${results.length - bad.length} of ${results.length} passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

async function conformance(): Promise<void> {
  await testTask('conformance', async () => {
    const { describeConformance } = await import('@rnn/tensor/testing');
    // Normal random numbers: Box–Muller in double on the GPU; float64 results may differ from the
    // CPU's (V8's fdlibm) in the last bits. Uniform numbers are compared bit for bit.
    describeConformance({
      backend: values.backend === 'cpu' ? 'cpu' : 'cuda',
      float64: true,
      tolerance: { randomNormal: { rtol: 2e-15, atol: 1e-15 } },
    });
  });
}

async function selftest(): Promise<void> {
  await testTask('conformance', async () => {
    const { describe, expect, it } = await import('./runner');
    describe('selftest', () => {
      it('passes', () => expect([1, 2]).toEqual([1, 2]));
      it('fails', () => expect(1 + 1, 'arithmetic').toBe(3));
    });
  });
}

async function parity(): Promise<void> {
  await testTask('parity', async () => {
    await setBackend(values.backend === 'cpu' ? 'cpu' : 'cuda-sync');
    await import('../../nn/test/rnn-parity.test');
    await import('../../nn/test/layers-parity.test');
    await import('../../nn/test/norm-activations-parity.test');
  });
  await setBackend('cpu');
}

async function soak(): Promise<void> {
  const log = logger('soak');
  const steps = Number(values['soak-steps']);
  const every = Number(values['soak-every']);
  // clipGradNorm reads the norm synchronously: the loop runs on the backend with syncReads
  const b = await setBackend(values.backend === 'cpu' ? 'cpu' : 'cuda-sync');
  const cuda = values.backend === 'cuda' ? (b as CudaBackend) : null;
  const step = lmLoop(values.quick ? { vocab: 50, embed: 8, hidden: 16, batch: 3, bptt: 4 } : TUTORIAL_LM);
  const mib = (x: number) => (x / 2 ** 20).toFixed(1);
  log(`PTB LM loop (no tidy, no dispose), ${steps} steps, one sync per step, on ${b.name}`);
  log(
    'step  ms/step  memory() tensors  memory() MiB  device live MiB  cached MiB  blocks created  GPU used MiB  RSS MiB',
  );
  const samples: {
    step: number;
    tensors: number;
    bytes: number;
    live: number;
    gpuUsed: number;
    rss: number;
  }[] = [];
  const gpuUsed = () => {
    if (!cuda) return 0;
    const [free, total] = cuda.context.addon.memInfo(cuda.context.id);
    return total - free;
  };
  let t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    await b.sync?.();
    await new Promise((r) => setImmediate(r));
    if (i % every === 0 || i === steps) {
      const m = memory();
      const st = cuda?.stats();
      const s = {
        step: i,
        tensors: m.tensors,
        bytes: m.bytes,
        live: st?.liveBytes ?? m.bytes,
        gpuUsed: gpuUsed(),
        rss: process.memoryUsage().rss,
      };
      samples.push(s);
      log(
        `${String(i).padStart(5)}  ${((performance.now() - t0) / every).toFixed(2).padStart(7)}  ${String(m.tensors).padStart(16)}  ${mib(m.bytes).padStart(12)}  ${mib(s.live).padStart(15)}  ${mib(st?.cachedBytes ?? 0).padStart(10)}  ${String(st?.created ?? 0).padStart(14)}  ${mib(s.gpuUsed).padStart(12)}  ${mib(s.rss).padStart(7)}`,
      );
      t0 = performance.now();
    }
  }
  // Flat: after warm-up (the first 20% of the steps) the collector frees dropped tensors in waves, so
  // live bytes oscillate; the peak of the last half may not exceed the peak of 20–50% by more than 10%.
  const peak = (from: number, to: number) =>
    samples
      .filter((s) => s.step > steps * from && s.step <= steps * to)
      .reduce((m, s) => Math.max(m, s.live), 0);
  const early = peak(0.2, 0.5);
  const late = peak(0.5, 1);
  const ok = late <= early * 1.1 + 2 ** 20;
  count(ok);
  summary.soak = { steps, ok, earlyPeakBytes: early, latePeakBytes: late, samples };
  log(
    `${ok ? 'ok' : 'FAIL'}: peak live bytes ${mib(early)} MiB over steps 20–50%, ${mib(late)} MiB over 50–100%`,
  );
  await setBackend('cpu');
}

/** PyTorch's twin (packages/bench/bench/workloads_torch.py) on the GPU: default device CUDA, FP32 math. */
const TORCH_ON_GPU = `
import runpy, sys, torch
import torch.nn.utils.rnn as rnn
device = sys.argv[2]
if device != "cpu":
    torch.set_default_device(device)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
_pack = rnn.pack_padded_sequence
def _pack_cpu_lengths(input, lengths, *a, **k):
    return _pack(input, lengths.cpu() if torch.is_tensor(lengths) else lengths, *a, **k)
rnn.pack_padded_sequence = _pack_cpu_lengths
script = sys.argv[1]
sys.argv = [script, "--threads", "4"]
gpu = torch.cuda.get_device_name() if device == "cuda" else "CPU"
sys.stderr.write("torch %s cuda %s cudnn %s on %s\\n" % (torch.__version__, torch.version.cuda, torch.backends.cudnn.version(), gpu))
runpy.run_path(script, run_name="__main__")
`;

class Twin {
  private readonly child;
  private readonly waiting: ((line: string) => void)[] = [];
  stderr = '';
  constructor(python: string, script: string, device: string) {
    this.child = spawn(python, ['-c', TORCH_ON_GPU, script, device], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on('line', (l) => this.waiting.shift()?.(l));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w(JSON.stringify({ error: `exited with ${code}: ${this.stderr}` }));
    });
  }
  request<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const o = JSON.parse(line);
        if (o.error) reject(new Error(o.error));
        else resolve(o as T);
      });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }
  close(): void {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function bench(): Promise<void> {
  const log = logger('bench');
  const ids = values.workloads!.split(',').map((s) => s.trim().toUpperCase());
  const steps = Number(values['bench-steps']);
  const warmup = Number(values['bench-warmup']);
  const script = join(process.cwd(), 'packages/bench/bench/workloads_torch.py');
  const twin = values['no-torch'] ? null : new Twin(values.python!, script, values['torch-device']!);
  const b = await setBackend(values.backend === 'cpu' ? 'cpu' : 'cuda-sync');
  const device =
    values.backend === 'cuda' ? (probeCuda().device?.name ?? 'unknown GPU') : (cpus()[0]?.model ?? 'CPU');
  const rows: Record<string, unknown>[] = [];
  try {
    if (twin) log(`PyTorch: ${JSON.stringify(await twin.request({ cmd: 'hello' }))}; ${twin.stderr.trim()}`);
    for (const spec of workloads.filter((w) => ids.includes(w.id))) {
      const config = values.quick ? spec.tiny : spec.full;
      const data = spec.data(config, 1234);
      const w: Workload = spec.build(config, data);
      if (twin) await twin.request({ cmd: 'build', id: spec.id, config, data });
      const ours: number[] = [];
      const theirs: number[] = [];
      const losses: number[][] = [[], []];
      for (let i = 0; i < warmup + steps; i++) {
        const t0 = performance.now();
        losses[0].push(w.step()); // the step reads its loss: a full sync, as PyTorch's .item()
        const ms = performance.now() - t0;
        if (i >= warmup) ours.push(ms);
        if (twin) {
          const r = await twin.request<{ seconds: number; loss: number }>({ cmd: 'step' });
          losses[1].push(r.loss);
          if (i >= warmup) theirs.push(r.seconds * 1000);
        }
      }
      w.dispose();
      await b.sync?.();
      const row = {
        id: spec.id,
        title: spec.title,
        rnnMs: median(ours),
        torchMs: twin ? median(theirs) : null,
        ratio: twin ? median(theirs) / median(ours) : null,
        unitsPerStep: w.unitsPerStep,
        firstLosses: { rnn: losses[0].slice(0, 3), torch: losses[1].slice(0, 3) },
      };
      rows.push(row);
      log(
        `${spec.id}: @rnn-${b.name} ${row.rnnMs.toFixed(2)} ms/step, PyTorch ${row.torchMs?.toFixed(2) ?? '-'} ms/step, ratio ${row.ratio?.toFixed(2) ?? '-'} (losses ${JSON.stringify(row.firstLosses)})`,
      );
      const finite = losses[0].every(Number.isFinite);
      count(finite);
    }
  } finally {
    twin?.close();
  }
  summary.bench = { device, steps, warmup, rows };
  const table = [
    `Workloads A–D on ${device} (median ms per training step over ${steps} steps after ${warmup} warm-up, steps alternating; PyTorch with cuDNN, FP32 math (TF32 off)):`,
    '',
    `| workload | @rnn-${b.name === 'cuda-sync' ? 'cuda' : b.name} ms/step | PyTorch ms/step | ratio (PyTorch / @rnn) |`,
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${(r.rnnMs as number).toFixed(2)} | ${r.torchMs == null ? '-' : (r.torchMs as number).toFixed(2)} | ${r.ratio == null ? '-' : (r.ratio as number).toFixed(2)} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(join(out, 'bench.md'), table);
  log(table);
  await setBackend('cpu');
}

// ------------------------------------------------------------------ main

const t0 = performance.now();
let exit = 0;
try {
  if (tasks.includes('probe') || values.backend === 'cuda') {
    const available = await probeTask();
    if (!available) {
      summary.unavailable = true;
      failed++;
      console.log(`cuda unavailable: ${probeCuda().reason}`);
      exit = 2;
    }
  }
  if (exit === 0 && tasks.some((t) => t !== 'probe')) {
    await backends();
    summary.device = values.backend === 'cuda' ? probeCuda().device : getBackend().name;
    for (const t of tasks) {
      saveSummary();
      if (t === 'conformance') await conformance();
      if (t === 'parity') await parity();
      if (t === 'soak') await soak();
      if (t === 'bench') await bench();
      if (t === 'selftest') await selftest();
    }
  }
  if (exit === 0 && failed > 0) exit = 1;
} catch (e) {
  console.error(e);
  summary.error = String((e as Error)?.stack ?? e);
  failed++;
  exit = 1;
}
summary.seconds = (performance.now() - t0) / 1000;
summary.passed = passed;
summary.failed = failed;
saveSummary();
console.log(`${passed} passed, ${failed} failed`);
process.exit(exit);
