import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { samplesDir } from '@rnn/data/node';
import { readMetrics, runCli } from '@rnn/train/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { program } from './program';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'text-classifier-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in this process (stdin from `input` when given); returns its exit status and output. */
async function cli(argv: string[], input?: string) {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const stdin =
    input === undefined
      ? undefined
      : vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([input]) as typeof process.stdin);
  try {
    const code = await runCli(program, argv, {
      stdout: { write: (s) => (stdout += s) },
      stderr: { write: (s) => (stderr += s) },
    });
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
    stdin?.mockRestore();
  }
}

// A small, fast model on the sample: 100 training headlines, 4 batches per epoch.
const small = [
  '--epochs',
  '2',
  '--batch-size',
  '25',
  '--hidden',
  '8',
  '--embedding',
  'random',
  '--embed-dim',
  '8',
  '--log-every',
  '2',
  '--eval-every',
  '3',
];

describe('text-classifier', () => {
  it('train → report, confusion matrix, summary; eval and predict use the checkpoint', async () => {
    const out = join(dir, 'run');
    const r = await cli(['train', '--out', out, ...small, '--packed', '--layer-norm']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('100 train / 30 dev / 30 test headlines, 10 classes, 42 characters');
    expect(r.stdout).toContain('dev every 3 batches, stop after 3334 without a better loss');
    expect(r.stdout).toMatch(/^step 3 \(epoch 1, batch 3\/4\): dev loss [\d.]+ accuracy [\d.]+/m);
    expect(r.stdout).toMatch(/test accuracy [\d.]+%/);
    expect(r.stdout).toMatch(/^ *entertainment +[\d.]+ +[\d.]+ +[\d.]+ +3$/m);
    for (const f of [
      'metrics.jsonl',
      'checkpoints/best.safetensors',
      'checkpoints/last.safetensors',
      'checkpoints/epoch-0002.safetensors',
      'report/index.html',
      'report/curves.png',
      'report/confusion.png',
      'summary.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // Evaluations at steps 3, 6 and at the end of the run (step 8).
    const records = await readMetrics(join(out, 'metrics.jsonl'));
    expect(records.filter((m) => m.split === 'dev').map((m) => m.step)).toEqual([3, 6, 8]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.app).toBe('text-classifier');
    expect(summary.metrics.test.accuracy).toBeGreaterThanOrEqual(0);
    expect(summary.extra.perClass).toHaveLength(10);
    expect(summary.extra.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(30);
    expect(readFileSync(join(out, 'report/index.html'), 'utf8')).toContain('entertainment');

    const best = join(out, 'checkpoints/best.safetensors');
    const ev = await cli(['eval', '--checkpoint', best, '--split', 'dev']);
    expect(ev.stderr).toBe('');
    expect(ev.stdout).toMatch(/dev\.txt \(30 headlines, .*\): accuracy [\d.]+%, loss [\d.]+, macro F1/);
    expect(ev.stdout).toMatch(/^ +finance +[\d.]+ +[\d.]+ +[\d.]+ +3$/m);
    expect(existsSync(join(out, 'eval-dev', 'confusion.png'))).toBe(true);

    const p = await cli([
      'predict',
      '--checkpoint',
      best,
      '--top',
      '3',
      '中国女排3比0战胜美国队',
      '房价上涨',
    ]);
    expect(p.stderr).toBe('');
    const lines = p.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const fields = lines[0].split('\t');
    expect(fields[0]).toBe('中国女排3比0战胜美国队');
    expect(fields).toHaveLength(7);
    const probs = [fields[2], fields[4], fields[6]].map(Number);
    expect(probs[0]).toBeGreaterThanOrEqual(probs[1]);
    expect(probs[1]).toBeGreaterThanOrEqual(probs[2]);
    const fromStdin = await cli(['predict', '--checkpoint', best], '中国女排3比0战胜美国队\n\n房价上涨\n');
    expect(fromStdin.stdout.split('\n').filter(Boolean)).toEqual(
      lines.map((l) => l.split('\t').slice(0, 3).join('\t')),
    );

    const cmp = await cli(['compare', out, out, '--names', 'a,b', '--out', join(dir, 'cmp')]);
    expect(cmp.code).toBe(0);
    expect(existsSync(join(dir, 'cmp', 'side-by-side.png'))).toBe(true);
    expect(existsSync(join(dir, 'cmp', 'curves.png'))).toBe(true);
    const svg = readFileSync(join(dir, 'cmp', 'side-by-side.svg'), 'utf8');
    expect(svg).toContain('a: loss');
    expect(svg).toContain('b: loss');
  });

  it('--resume continues exactly: the same losses as a run that never stopped', async () => {
    // Evaluations every 2 batches: the first session (one epoch, 4 batches) ends on one, as a run
    // interrupted there would (a run that ends between two is evaluated once more at its end).
    const flags = [...small, '--eval-every', '2'];
    const straight = join(dir, 'straight');
    expect((await cli(['train', '--out', straight, ...flags, '--epochs', '3'])).code).toBe(0);
    const resumed = join(dir, 'resumed');
    expect((await cli(['train', '--out', resumed, ...flags, '--epochs', '1'])).code).toBe(0);
    expect((await cli(['train', '--out', resumed, ...flags, '--epochs', '3', '--resume'])).code).toBe(0);
    const losses = async (d: string) =>
      (await readMetrics(join(d, 'metrics.jsonl'))).map((m) => `${m.split}@${m.step} ${m.metrics.loss}`);
    expect(await losses(resumed)).toEqual(await losses(straight));
    const summary = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).metrics.test;
    expect(summary(resumed)).toEqual(summary(straight));

    const other = await cli(['train', '--out', resumed, ...flags, '--epochs', '4', '--packed', '--resume']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was trained with other settings: --packed true (the run has false)');
  });

  it('the quick run: the defaults on the sample (pretrained vectors, padded read-out)', async () => {
    const out = join(dir, 'quick');
    const r = await cli(['train', '--out', out, '--epochs', '1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      'BiLSTM: 16-d pretrained embedding (fine-tuned), 2 x 128 per direction, dropout 0.3, xavier init',
    );
    expect(r.stdout).toContain('Adam lr 0.001, batch 64, pad 32, 1 epoch | dev every 2 batches');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).config.epochs).toBe(1);
  });

  it('bad flags, data, checkpoints and input exit non-zero with one clear line', async () => {
    const missing = await cli(['train', '--data', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `text-classifier train: --data: expected a folder, got "${join(dir, 'nope')}", which does not exist\n`,
    );

    const data = join(dir, 'data');
    mkdirSync(data);
    for (const f of ['class.txt', 'vocab.json', 'dev.txt', 'test.txt', 'embedding_Tencent.npz']) {
      writeFileSync(join(data, f), readFileSync(join(samplesDir(), 'thucnews', f)));
    }
    writeFileSync(join(data, 'train.txt'), '中华女子学院\t3\n两天价网站背后重重迷雾 4\n');
    const bad = await cli(['train', '--data', data, '--out', join(dir, 'a')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `text-classifier train: ${join(data, 'train.txt')}:2: expected 2 tab-separated fields (text, label), ` +
        'got 1 field: "两天价网站背后重重迷雾 4"\n',
    );

    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, 'not a checkpoint');
    const ev = await cli(['eval', '--checkpoint', corrupt]);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toMatch(
      new RegExp(`^text-classifier eval: ${corrupt}: is not a valid checkpoint: .+\\n$`),
    );

    expect((await cli(['train', '--layer-nrom'])).stderr).toBe(
      'text-classifier train: unknown flag --layer-nrom (did you mean --layer-norm?) (see --help)\n',
    );
    expect((await cli(['train', '--embedding', 'glove'])).stderr).toMatch(
      /^text-classifier train: --embedding: expected one of pretrained, random, got "glove"/,
    );

    const out = join(dir, 'run');
    expect((await cli(['train', '--out', out, ...small, '--epochs', '1'])).code).toBe(0);
    const best = join(out, 'checkpoints/best.safetensors');
    expect((await cli(['predict', '--checkpoint', best, '--top', '11', 'x'])).stderr).toBe(
      'text-classifier predict: --top: expected at most 10 (the number of classes), got 11\n',
    );
    expect((await cli(['predict', '--checkpoint', best], '\n')).stderr).toBe(
      'text-classifier predict: expected headlines as arguments or on standard input, got none\n',
    );
  });
});
