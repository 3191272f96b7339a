import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Where the PyTorch twin lives, relative to `src/` or `dist/`. */
const SCRIPT = fileURLToPath(new URL('../bench/workloads_torch.py', import.meta.url));

/** The interpreter (`RNN_BENCH_PYTHON`, default `/usr/bin/python3`, the one with Debian's PyTorch). */
export const PYTHON = process.env.RNN_BENCH_PYTHON || '/usr/bin/python3';

/** PyTorch's best settings on this machine: passive OpenMP waiting and OpenBLAS threads = torch threads. */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_WAIT_POLICY: 'PASSIVE',
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
}

/** Whether `import torch` works with {@link PYTHON}. */
export function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

/** The PyTorch twin as a child process answering one JSON request per line. */
export class TorchTwin {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(threads: number) {
    this.child = spawn(PYTHON, [SCRIPT, '--threads', String(threads)], { env: torchEnv(threads) });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + String(d)).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w(JSON.stringify({ error: `exited with ${code}: ${this.stderr}` }));
    });
  }

  /** Sends one request and waits for its reply. */
  request<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const obj = JSON.parse(line);
        if (obj.error) reject(new Error(`PyTorch twin: ${obj.error}`));
        else resolve(obj as T);
      });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.lines.close();
  }
}
