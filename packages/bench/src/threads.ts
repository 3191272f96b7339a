/**
 * Where a second thread starts to pay for a GEMM on this machine: each product of the workloads'
 * shapes (and squares around the threshold) timed on one thread and on all threads, per machine class
 * this CPU can run, wall clock, median of repeats. The class's `parallelMin` (products under it stay
 * on the calling thread) should sit where the two curves cross.
 *
 *   node dist/threads.js [--threads 2] [--class avx512-256] [--repeats 31]
 *
 * Needs a quiet machine: another process on the cores makes the second thread look useless.
 */
import { parseArgs } from 'node:util';
import { loadCpuNative, type MachineClass } from '@rnn/cpu-native';
import { matmul, rand, setCpuAccelerator, tidy } from '@rnn/tensor';
import { median } from './median';

const { values: v } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    class: { type: 'string' },
    repeats: { type: 'string', default: '31' },
  },
});
const threads = Number(v.threads);
const repeats = Number(v.repeats);
const native = loadCpuNative({ threads });
if (!native) throw new Error('threads: @rnn/cpu-native did not load');
setCpuAccelerator(native);

/** [m, k, n]: the products of the workloads (batch × in × out, and the backward's transposes). */
const SHAPES: [number, number, number][] = [
  [64, 128, 512], // B: 2-layer BiLSTM, the recurrent product
  [64, 300, 512], // B: the input product
  [128, 64, 1200], // D: tracker and reduce
  [128, 600, 1500], // D: TreeLSTM reduce
  [32, 256, 512], // C
  [20, 1024, 4096], // A: the recurrent product
  [96, 96, 96],
  [128, 128, 128],
  [160, 160, 160],
  [192, 192, 192],
  [256, 256, 256],
  [384, 384, 384],
];

function time(m: number, k: number, n: number): number {
  const a = rand([m, k]);
  const b = rand([k, n]);
  const ts: number[] = [];
  for (let r = 0; r < repeats + 3; r++) {
    const t0 = process.hrtime.bigint();
    tidy(() => matmul(a, b).dataSync());
    if (r >= 3) ts.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  a.dispose();
  b.dispose();
  return median(ts);
}

const classes = native.machine
  .gemmClasses()
  .filter((c) => c.supported && (v.class === undefined || c.machineClass === v.class));
for (const cls of classes) {
  console.log(
    `\n${cls.machineClass} (parallelMin ${cls.parallelMin} multiply-adds), µs median of ${repeats}:`,
  );
  console.log('| m × k × n | multiply-adds | 1 thread | ' + threads + ' threads | speed-up |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const use = (parallelMin: number) => {
    if (!native.machine.setGemmClass(cls.machineClass as MachineClass, { parallelMin })) {
      throw new Error(`threads: the ${cls.machineClass} GEMM refused parallelMin ${parallelMin}`);
    }
  };
  for (const [m, k, n] of SHAPES) {
    use(Number.MAX_SAFE_INTEGER);
    const one = time(m, k, n);
    use(1);
    const all = time(m, k, n);
    console.log(
      `| ${m} × ${k} × ${n} | ${((m * k * n) / 1e6).toFixed(2)}M | ${one.toFixed(0)} | ${all.toFixed(0)} | ${(one / all).toFixed(2)} |`,
    );
  }
  native.machine.setGemmClass(cls.machineClass as MachineClass);
}
