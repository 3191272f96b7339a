import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { installCpuNative } from '@rnn/cpu-native';
import { memory, setBackend } from '@rnn/tensor';
import { lmLoop, matmulLoop, TUTORIAL_LM } from './loops';

/**
 * Memory soak: runs the plain loops of `loops.ts` (no tidy, no dispose, no await) for many steps and
 * prints RSS and `memory()` as they go, then once more after yielding to the event loop.
 *
 *   node dist/soak.js [--loop matmul|lm] [--steps N] [--native|--no-native] [--backend webgpu] [--await]
 *
 * `--tidy` wraps each step in `tidy()` (the fast path, for comparison). `--await` awaits a macrotask after each step (as a loop that reads its loss does); on WebGPU that is
 * what lets the collector's callbacks give GPU buffers back.
 */
const { values } = parseArgs({
  options: {
    loop: { type: 'string', default: 'matmul' },
    steps: { type: 'string' },
    native: { type: 'boolean', default: true },
    'no-native': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'cpu' },
    await: { type: 'boolean', default: false },
    every: { type: 'string' },
    tidy: { type: 'boolean', default: false },
  },
});

const steps = Number(values.steps ?? (values.loop === 'lm' ? 300 : 2000));
const every = Number(values.every ?? Math.max(1, Math.floor(steps / 10)));
const kernels = values['no-native'] ? 'pure JavaScript' : installCpuNative().reason;
if (values.backend !== 'cpu') {
  await import('@rnn/backend-webgpu/register'); // registers 'webgpu'
  await setBackend(values.backend!);
}
const step = values.loop === 'lm' ? lmLoop(TUTORIAL_LM, values) : matmulLoop(512, values);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

console.log(
  `soak: ${values.loop} loop, ${steps} steps, backend ${values.backend}, kernels ${kernels}, ` +
    `${values.await ? 'awaits a macrotask each step' : 'never yields'}${values.tidy ? ', each step in tidy()' : ''}; CPU ${cpus()[0]?.model}`,
);
console.log('step   rss MiB   memory() tensors   memory() MiB   ms/step (since last line)');
let t0 = performance.now();
let last = 0;
const rss: number[] = [];
for (let i = 1; i <= steps; i++) {
  step();
  if (values.await) await new Promise((r) => setTimeout(r, 0));
  if (i % every === 0 || i === steps) {
    const m = memory();
    rss.push(process.memoryUsage().rss);
    console.log(
      `${String(i).padStart(4)}   ${mib(rss.at(-1)!).padStart(7)}   ${String(m.tensors).padStart(16)}   ${mib(m.bytes).padStart(12)}   ${((performance.now() - t0) / (i - last)).toFixed(1).padStart(7)}`,
    );
    t0 = performance.now();
    last = i;
  }
}
await new Promise((r) => setTimeout(r, 100));
const m = memory();
const after = rss.slice(1);
console.log(
  `after yielding: memory() ${m.tensors} tensors, ${mib(m.bytes)} MiB; ` +
    `RSS after warm-up: min ${mib(Math.min(...after))} MiB, max ${mib(Math.max(...after))} MiB ` +
    `(max/min ${(Math.max(...after) / Math.min(...after)).toFixed(2)})`,
);
