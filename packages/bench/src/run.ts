/**
 * `pnpm bench` for the CPU backend: the four training workloads (A–D) and square float32 matmuls, on
 * @rnn and on PyTorch (when `/usr/bin/python3 -c 'import torch'` works) in the same run, alternating
 * step by step after a warm-up, with a short pause at each switch so that neither side's spinning
 * threads slow the other. The warm-up lasts at least 2 steps and 5 s of @rnn steps (both sides run
 * as many): V8 optimizes the hot functions and the heap settles over the first seconds of a
 * workload (SPINN's step goes from ~0.5 to ~0.35 s over its first ten, about 4 s; the classifier's
 * from 0.13-0.16 to 0.09 s over its first few), and the steady state is what a training run sees.
 * Prints a table and writes `bench-results/cpu.json` at the repo root.
 *
 *   node dist/run.js [flags]   (every flag: `--help`, the USAGE below)
 *
 * First it prints the machine: the CPU (family/model, caches), the native GEMM's machine class,
 * micro-kernel and blocking and why they were chosen (`--class` forces another class this CPU can
 * run, as `RNN_CPU_CLASS` does), and the measured FMA peak on 1 and N threads; matmul GFLOPS are
 * also given as a fraction of that peak. All of it goes into the JSON.
 *
 * `--quick` (or RNN_BENCH_QUICK=1) runs the tiny shapes for a smoke test. `RNN_NO_NATIVE=1` measures
 * the pure JavaScript kernels. Informational only: nothing fails on a slow result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as parseCliArgs } from 'node:util';
import { loadCpuNative, type MachineClass, nativeLoadError } from '@rnn/cpu-native';
import { getCpuAccelerator, manualSeed, matmul, memory, rand, setCpuAccelerator, tidy } from '@rnn/tensor';
import { describeMachine, machineLines, measureFmaPeak } from './machine';
import { median } from './median';
import { TorchTwin, torchAvailable } from './torch';
import { type Workload, workloads } from './workloads/index';

interface Args {
  quick: boolean;
  ids: string[];
  steps: number;
  warmup: number;
  warmupSeconds: number;
  sizes: number[];
  torch: boolean;
  matmul: boolean;
  threads: number;
  out: string;
  machineClass: MachineClass | undefined;
  parallelMin: number | undefined;
  peak: boolean;
}

const USAGE = `usage: node dist/run.js [flags]   (pnpm bench)

  --quick                 tiny shapes, a smoke test (also RNN_BENCH_QUICK=1)
  --workloads A,B         workloads to run (default A,B,C,D)
  --steps N               timed steps per side, median reported (default 7; quick 3)
  --warmup N              untimed steps per side first, at least (default 2; quick 1)
  --warmup-seconds S      and at least this long on @rnn's side (default 5; quick 0): V8 compiles the
                          hot code and the heap grows for a few seconds before the steady state
  --sizes 256,512         square matmul sizes (default 256,512,1024,2048; quick 256)
  --no-torch              measure @rnn only
  --no-matmul             skip the matmuls
  --threads N             threads for @rnn and PyTorch (default 2)
  --class C               force the GEMM machine class: avx512 | avx512-256 | avx2 (as RNN_CPU_CLASS)
  --parallel-min N        products under N multiply-adds stay on one thread (default: the class's)
  --no-peak               skip the FMA peak measurement
  --out FILE              JSON output (default bench-results/cpu.json at the repo root)
  -h, --help              show this help`;

const MACHINE_CLASSES: readonly MachineClass[] = ['avx512', 'avx512-256', 'avx2'];

/** Strict flags: a typo is an error naming the flag, not a silent full run with the defaults. */
function parseArgs(argv: string[]): Args | null {
  const { values: v } = parseCliArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      workloads: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      sizes: { type: 'string' },
      'no-torch': { type: 'boolean' },
      'no-matmul': { type: 'boolean' },
      threads: { type: 'string' },
      class: { type: 'string' },
      'parallel-min': { type: 'string' },
      'no-peak': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return null;
  const quick = v.quick === true || process.env.RNN_BENCH_QUICK === '1';
  const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : undefined);
  const int = (name: string, s: string | undefined, fallback: number, min: number) => {
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name}: expected an integer >= ${min}, got '${s}'`);
    return n;
  };
  const seconds = (name: string, s: string | undefined, fallback: number) => {
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got '${s}'`);
    return n;
  };
  const ids = list(v.workloads)?.map((s) => s.toUpperCase()) ?? workloads.map((w) => w.id);
  const unknown = ids.filter((id) => !workloads.some((w) => w.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `--workloads: unknown ${unknown.join(', ')} (expected some of ${workloads.map((w) => w.id).join(',')})`,
    );
  }
  const machineClass = v.class as MachineClass | undefined;
  if (machineClass !== undefined && !MACHINE_CLASSES.includes(machineClass)) {
    throw new Error(`--class: expected one of ${MACHINE_CLASSES.join(', ')}, got '${machineClass}'`);
  }
  return {
    quick,
    ids,
    steps: int('steps', v.steps, quick ? 3 : 7, 1),
    warmup: int('warmup', v.warmup, quick ? 1 : 2, 0),
    warmupSeconds: seconds('warmup-seconds', v['warmup-seconds'], quick ? 0 : 5),
    sizes: list(v.sizes)?.map((s) => int('sizes', s, 0, 1)) ?? (quick ? [256] : [256, 512, 1024, 2048]),
    torch: v['no-torch'] !== true,
    matmul: v['no-matmul'] !== true,
    threads: int('threads', v.threads, 2, 1),
    machineClass,
    parallelMin: v['parallel-min'] === undefined ? undefined : int('parallel-min', v['parallel-min'], 0, 1),
    peak: v['no-peak'] !== true,
    out:
      v.out ??
      fileURLToPath(new URL(`../../../bench-results/${quick ? 'cpu-quick' : 'cpu'}.json`, import.meta.url)),
  };
}

/**
 * Pause between the two sides. OpenBLAS's threads keep spinning on both cores for ~0.1 s after a
 * PyTorch op returns, and would steal the CPU from the next @rnn step (and @rnn's GEMM threads spin
 * briefly too): each side starts on a quiet machine.
 */
const SETTLE_MS = Number(process.env.RNN_BENCH_SETTLE_MS ?? 250);
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);

async function main(): Promise<void> {
  let args: Args | null;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args === null) {
    console.log(USAGE);
    return;
  }
  const native = loadCpuNative({ threads: args.threads, machineClass: args.machineClass });
  if (native) setCpuAccelerator(native);
  else if (args.machineClass) throw new Error(`--class ${args.machineClass}: ${nativeLoadError()}`);
  if (native && args.parallelMin !== undefined) {
    const cls = native.machine.gemmConfig().machineClass;
    if (!native.machine.setGemmClass(cls, { parallelMin: args.parallelMin })) {
      throw new Error(`--parallel-min ${args.parallelMin}: the ${cls} GEMM refused it`);
    }
  }
  const machine = describeMachine(native);
  // the peak before PyTorch starts: nothing else of ours is running
  if (native && args.peak) machine.fmaPeak = measureFmaPeak(native, args.threads);
  const useTorch = args.torch && torchAvailable();
  const twin = useTorch ? new TorchTwin(args.threads) : null;
  const hello = twin ? await twin.request<{ torch: string; threads: number }>({ cmd: 'hello' }) : null;
  console.log(`@rnn CPU benchmark${args.quick ? ' (quick: tiny shapes)' : ''}`);
  for (const line of machineLines(machine)) console.log(line);
  console.log(`@rnn kernels: ${native ? native.name : `pure JavaScript (${nativeLoadError()})`}`);
  console.log(
    hello
      ? `PyTorch ${hello.torch}, ${hello.threads} threads (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=${args.threads})`
      : 'PyTorch: not available (only @rnn is measured)',
  );
  const peak = machine.fmaPeak?.peakAllThreads ?? null;
  const ofPeak = (gflops: number | null) => (gflops === null || !peak ? null : gflops / peak);

  // ---------------------------------------------------------------- workloads
  const rows: Record<string, unknown>[] = [];
  for (const spec of workloads.filter((w) => args.ids.includes(w.id))) {
    const config = args.quick ? spec.tiny : spec.full;
    const data = spec.data(config, 1234);
    manualSeed(0);
    const w: Workload = spec.build(config, data);
    if (twin) await twin.request({ cmd: 'build', id: spec.id, config, data });
    const rnnTimes: number[] = [];
    const torchTimes: number[] = [];
    let rnnLoss = Number.NaN;
    let torchLoss = Number.NaN;
    let liveAfterWarmup = 0;
    // Warm-up: at least `warmup` steps and `warmupSeconds` of @rnn steps, each side as many steps.
    let warmupSteps = 0;
    let warmupTime = 0;
    let timed = false;
    while (rnnTimes.length < args.steps) {
      if (!timed && warmupSteps >= args.warmup && warmupTime >= args.warmupSeconds) {
        timed = true;
        liveAfterWarmup = memory().tensors;
      }
      if (twin) await settle();
      const t0 = performance.now();
      rnnLoss = w.step();
      const dt = (performance.now() - t0) / 1000;
      if (timed) rnnTimes.push(dt);
      if (twin) {
        await settle();
        const r = await twin.request<{ seconds: number; loss: number }>({ cmd: 'step' });
        torchLoss = r.loss;
        if (timed) torchTimes.push(r.seconds);
      }
      if (!timed) {
        warmupSteps++;
        warmupTime += dt;
      }
    }
    const liveGrowth = memory().tensors - liveAfterWarmup;
    w.dispose();
    const rnn = median(rnnTimes);
    const torch = twin ? median(torchTimes) : null;
    const row = {
      id: spec.id,
      title: spec.title,
      unit: spec.unit,
      unitsPerStep: w.unitsPerStep,
      steps: args.steps,
      warmupSteps,
      rnnMedianS: rnn,
      torchMedianS: torch,
      ratio: torch === null ? null : torch / rnn,
      rnnPerS: w.unitsPerStep / rnn,
      torchPerS: torch === null ? null : w.unitsPerStep / torch,
      rnnTimesS: rnnTimes,
      torchTimesS: torchTimes,
      rnnLoss,
      torchLoss,
      liveTensorGrowth: liveGrowth,
    };
    rows.push(row);
    console.log(
      `${spec.id}. ${spec.title}\n   @rnn ${fmt(rnn)} s/step (${fmt(row.rnnPerS, 0)} ${spec.unit}/s)` +
        `   PyTorch ${fmt(torch)} s/step   ratio ${fmt(row.ratio, 2)}`,
    );
  }

  // ---------------------------------------------------------------- matmul
  const mm: Record<string, unknown>[] = [];
  if (args.matmul) {
    for (const n of args.sizes) {
      manualSeed(0);
      const a = rand([n, n]);
      const b = rand([n, n]);
      const runs = n >= 2048 ? 3 : n >= 1024 ? 5 : 9;
      const rnnTimes: number[] = [];
      const torchTimes: number[] = [];
      for (let block = 0; block < 3; block++) {
        if (twin) await settle();
        // One untimed product after each pause, as the PyTorch side does for each request: the first
        // product after an idle spell waits for the threads to wake (on either side).
        tidy(() => matmul(a, b).dispose());
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          tidy(() => matmul(a, b).dispose());
          rnnTimes.push((performance.now() - t0) / 1000);
        }
        if (twin) {
          await settle();
          torchTimes.push(...(await twin.request<{ seconds: number[] }>({ cmd: 'matmul', n, runs })).seconds);
        }
      }
      a.dispose();
      b.dispose();
      const flop = 2 * n ** 3;
      const rnn = flop / median(rnnTimes) / 1e9;
      const torch = twin ? flop / median(torchTimes) / 1e9 : null;
      mm.push({
        n,
        rnnGflops: rnn,
        torchGflops: torch,
        ratio: torch === null ? null : rnn / torch,
        rnnFractionOfPeak: ofPeak(rnn),
        torchFractionOfPeak: ofPeak(torch),
        rnnTimesS: rnnTimes,
        torchTimesS: torchTimes,
      });
      console.log(
        `matmul ${n}³: @rnn ${fmt(rnn, 1)} GFLOPS (${pct(ofPeak(rnn))} of peak)   PyTorch ${fmt(torch, 1)} GFLOPS ` +
          `(${pct(ofPeak(torch))})   ratio ${fmt(torch === null ? null : rnn / torch, 2)}`,
      );
    }
  }
  twin?.close();
  // PyTorch far below the FMA peak on matmul: Debian's PyTorch on the reference BLAS (no OpenBLAS
  // installed), which makes every ratio flatter @rnn.
  const warnings: string[] = [];
  const torchBest = Math.max(0, ...mm.map((r) => (r.torchFractionOfPeak as number | null) ?? 0));
  if (twin && peak && mm.length && torchBest < 0.1)
    warnings.push(
      `PyTorch's matmul reaches ${(100 * torchBest).toFixed(0)} % of the FMA peak at best: its BLAS is probably ` +
        "the reference one (Debian's PyTorch without libopenblas0-pthread, see shared/tools/PYTORCH.md); " +
        'the ratios against it flatter @rnn',
    );
  for (const w of warnings) console.log(`\nWARNING: ${w}`);

  // ---------------------------------------------------------------- table + JSON
  const lines = [
    '| workload | @rnn s/step | PyTorch s/step | ratio (PyTorch / @rnn) | @rnn throughput | PyTorch throughput |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.id}. ${r.title} | ${fmt(r.rnnMedianS as number)} | ${fmt(r.torchMedianS as number)} | ${fmt(r.ratio as number, 2)} | ` +
        `${fmt(r.rnnPerS as number, 0)} ${r.unit}/s | ${fmt(r.torchPerS as number, 0)} ${r.unit}/s |`,
    ),
    '',
    `| matmul (float32, n³) | @rnn GFLOPS | PyTorch GFLOPS | ratio (@rnn / PyTorch) | @rnn / FMA peak${peak ? ` (${peak.toFixed(0)} GFLOPS)` : ''} | PyTorch / FMA peak |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...mm.map(
      (r) =>
        `| ${r.n} | ${fmt(r.rnnGflops as number, 1)} | ${fmt(r.torchGflops as number, 1)} | ${fmt(r.ratio as number, 2)} | ` +
        `${pct(r.rnnFractionOfPeak as number | null)} | ${pct(r.torchFractionOfPeak as number | null)} |`,
    ),
  ];
  console.log(`\n${lines.join('\n')}`);
  const result = {
    date: new Date().toISOString(),
    quick: args.quick,
    machine,
    rnnKernels: getCpuAccelerator()?.name ?? 'pure JavaScript',
    gemm: machine.gemm,
    fmaPeak: machine.fmaPeak,
    warnings,
    torch: hello,
    warmupSteps: args.warmup,
    warmupSeconds: args.warmupSeconds,
    settleMs: SETTLE_MS,
    timedSteps: args.steps,
    workloads: rows,
    matmul: mm,
    table: lines.join('\n'),
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${args.out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
