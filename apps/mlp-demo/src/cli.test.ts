import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@rnn/tensor';
import { readMetrics, runCli } from '@rnn/train/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { twoSpirals } from './data';
import { program } from './program';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlp-demo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in this process; returns its exit status and what it printed. */
async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  try {
    const code = await runCli(program, argv, {
      stdout: { write: (s) => (stdout += s) },
      stderr: { write: (s) => (stderr += s) },
    });
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
  }
}

const quick = ['--epochs', '4', '--points', '100', '--batch-size', '25', '--log-every', '2'];

describe('mlp-demo', () => {
  it('the spirals are reproducible from the seed and balanced', () => {
    manualSeed(7);
    const a = twoSpirals({ points: 100 });
    manualSeed(7);
    const b = twoSpirals({ points: 100 });
    expect(a.x.shape).toEqual([100, 2]);
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.y.dataSync()).filter((c) => c === 1)).toHaveLength(50);
  });

  it('train writes metrics, checkpoints, a report and a summary; eval and predict use the checkpoint', async () => {
    const out = join(dir, 'run');
    const r = await cli('train', '--out', out, ...quick);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^epoch 4\/4: train loss [\d.]+ \| valid loss [\d.]+ accuracy [\d.]+/m);
    for (const f of [
      'metrics.jsonl',
      'checkpoints/epoch-0004.safetensors',
      'checkpoints/best.safetensors',
      'checkpoints/last.safetensors',
      'report/index.html',
      'report/curves.png',
      'report/confusion.svg',
      'summary.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(r.stdout).toContain(join(out, f));
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.metrics.test.accuracy).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'report/index.html'), 'utf8')).toContain('arm 1');

    const ev = await cli('eval', '--checkpoint', join(out, 'checkpoints/best.safetensors'));
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain(`test loss`);
    expect(ev.stdout).toMatch(/arm 2: precision [\d.]+ recall/);
    const p = await cli(
      'predict',
      '--checkpoint',
      join(out, 'checkpoints/best.safetensors'),
      '--',
      '-0.5,0.1',
      '0.2,0.3',
    );
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^-0\.5,0\.1\tarm [12]\t\(p = [\d.]+\)\n0\.2,0\.3\tarm [12]/m);

    const c = await cli('compare', out, out, '--out', join(dir, 'compare'));
    expect(c.code).toBe(0);
    expect(existsSync(join(dir, 'compare', 'curves.png'))).toBe(true);

    // A second train in the same folder would overwrite the run: refused unless asked for.
    const again = await cli('train', '--out', out, ...quick);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /already holds a run .* pass --resume to continue it, --overwrite to start over/,
    );
  });

  it('--resume continues a run exactly: the same losses as a run that never stopped', async () => {
    const straight = join(dir, 'straight');
    expect((await cli('train', '--out', straight, ...quick, '--epochs', '6')).code).toBe(0);
    const resumed = join(dir, 'resumed');
    expect((await cli('train', '--out', resumed, ...quick, '--epochs', '3')).code).toBe(0);
    expect((await cli('train', '--out', resumed, ...quick, '--epochs', '6', '--resume')).code).toBe(0);
    const losses = async (d: string) =>
      (await readMetrics(join(d, 'metrics.jsonl'))).map((m) => `${m.split}@${m.step} ${m.metrics.loss}`);
    expect(await losses(resumed)).toEqual(await losses(straight));
    const other = await cli(
      'train',
      '--out',
      resumed,
      ...quick,
      '--epochs',
      '8',
      '--hidden',
      '8',
      '--resume',
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was trained with other settings: --hidden 8 (the run has 32)');
  });

  it('bad flags, data and checkpoints exit non-zero with one clear line', async () => {
    const missing = await cli('train', '--data', join(dir, 'nope'));
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toBe(
      `mlp-demo train: --data: expected a folder, got "${join(dir, 'nope')}", which does not exist\n`,
    );

    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'train.tsv'), '0.1\t0.2\t0\n0.3\t0.4\t1\n');
    const noValid = await cli('train', '--data', data, '--out', join(dir, 'a'));
    expect(noValid.code).toBe(1);
    expect(noValid.stderr).toBe(
      `mlp-demo train: ${join(data, 'valid.tsv')}: expected a file of x<TAB>y<TAB>label lines, got no such file\n`,
    );
    writeFileSync(join(data, 'valid.tsv'), '0.1\t0.2\t0\n0.3 0.4 1\n');
    const badLine = await cli('train', '--data', data, '--out', join(dir, 'b'));
    expect(badLine.stderr).toBe(
      `mlp-demo train: ${join(data, 'valid.tsv')}:2: expected x<TAB>y<TAB>label (label 0 or 1), got "0.3 0.4 1"\n`,
    );

    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, 'not a checkpoint');
    const ev = await cli('eval', '--checkpoint', corrupt);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toMatch(new RegExp(`^mlp-demo eval: ${corrupt}: is not a valid checkpoint: .+\\n$`));

    expect((await cli('train', '--hiden', '3')).stderr).toBe(
      'mlp-demo train: unknown flag --hiden (did you mean --hidden?) (see --help)\n',
    );
    expect((await cli('train', '--lr', 'fast')).stderr).toBe(
      'mlp-demo train: --lr: expected a number > 0, got "fast"\n',
    );
  });
});
