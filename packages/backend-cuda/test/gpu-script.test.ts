/**
 * The prepared GPU check (device/gpu.ts, bundled by device/bundle.mjs, run by device/gpu-run.sh):
 * everything about it that can run without a GPU. It bundles into one file that needs no
 * node_modules, rejects bad arguments, stops with the probe's reason (exit 2) where CUDA is
 * unavailable, and runs its test harness (the conformance suite and @rnn/nn's parity files under the
 * vitest stand-in) on the CPU backend.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_DIR } from './fake-cuda/setup';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const repo = join(pkg, '../..');
const dir = mkdtempSync(join(tmpdir(), 'rnn-gpu-script-'));
const bundle = join(dir, 'gpu.mjs');

/** Runs the bundle from the repository root (as the GPU machine does) with extra environment. */
function gpu(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, RNN_CUDA_CACHE_DIR: 'off', RNN_CUDA_PYTHON: '0', ...env },
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  execFileSync(process.execPath, [join(pkg, 'device/bundle.mjs'), bundle], { cwd: repo, encoding: 'utf8' });
}, 120_000);

describe('the GPU check script', () => {
  it('is one self-contained file: no import of vitest, esbuild or a workspace package at run time', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    expect(text).not.toMatch(/from ['"](vitest|@rnn\/[a-z-]+|chai|@vitest\/expect)['"]/);
    expect(text).not.toContain('import.meta.url).href'); // every module's URL was made repo-relative
  });

  it('rejects unknown tasks and backends', () => {
    const bad = gpu(['benchmark']);
    expect(bad.status).toBe(64);
    expect(bad.out).toMatch(
      /unknown task\(s\) benchmark: expected probe, conformance, parity, soak, bench or all/,
    );
    const backend = gpu(['probe', '--backend', 'tpu']);
    expect(backend.status).toBe(64);
    expect(backend.out).toMatch(/--backend must be cuda or cpu, got tpu/);
  });

  it('without a usable GPU: exit 2, the reason printed and written, nothing else run', () => {
    const out = join(dir, 'no-gpu');
    const r = gpu(['all', '--out', out], {
      RNN_CUDA_DRIVER: `${FAKE_DIR}libfake_driver.so`,
      FAKE_CUDA_DEVICES: '0',
    });
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/cuda unavailable: the NVIDIA driver found no GPU/);
    expect(r.out.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results).toMatchObject({
      unavailable: true,
      passed: 0,
      failed: 1,
      probe: { available: false, code: 'no-device' },
    });
    expect(readFileSync(join(out, 'probe.log'), 'utf8')).toMatch(
      /^UNAVAILABLE: the NVIDIA driver found no GPU/,
    );
  });

  it('runs the conformance suite and the parity files under its vitest stand-in (here on the CPU backend)', () => {
    const out = join(dir, 'cpu');
    const r = gpu([
      'conformance',
      'parity',
      '--backend',
      'cpu',
      '--filter',
      'matmul|softmax|rnnLayer|lstm_2l|erf',
      '--out',
      out,
    ]);
    expect(r.status, r.out.slice(-3000)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.conformance.tests).toBeGreaterThan(10);
    expect(results.parity.tests).toBeGreaterThan(2);
    expect(results.failed).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${results.passed} passed, 0 failed$`, 'm'));
    expect(readFileSync(join(out, 'parity.log'), 'utf8')).toMatch(/^ok {3}recurrent layers match PyTorch/m);
  });

  it('reports a failing test with its error, and exits 1', () => {
    const out = join(dir, 'failing');
    const r = gpu(['selftest', '--backend', 'cpu', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^\[conformance\] ok {3}selftest > passes/m);
    expect(r.out).toMatch(
      /^\[conformance\] FAIL selftest > fails .*\n.*AssertionError: arithmetic: expected 2 to be 3/m,
    );
    expect(r.out.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.conformance.failures).toEqual([
      {
        name: 'selftest > fails',
        error: expect.stringMatching(/^AssertionError: arithmetic: expected 2 to be 3/),
      },
    ]);
  });

  it('gpu-run.sh and gpu-prepare.sh are valid bash', () => {
    for (const f of ['gpu-run.sh', 'gpu-prepare.sh']) {
      expect(spawnSync('bash', ['-n', join(pkg, 'device', f)]).status, f).toBe(0);
    }
  });
});
