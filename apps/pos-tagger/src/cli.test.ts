import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { datasetFiles, samplesDir } from '@rnn/data/node';
import { readMetrics, runCli } from '@rnn/train/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { program } from './program';

let dir: string;
let run: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pos-tagger-'));
  run = join(dir, 'run');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

// A small model on the repo's samples: fast, and still the whole pipeline.
const small = [
  '--word-dim',
  '16',
  '--char-dim',
  '8',
  '--char-hidden',
  '8',
  '--hidden',
  '16',
  '--layers',
  '2',
  '--batch-size',
  '3',
  '--log-every',
  '2',
];

describe('pos-tagger', () => {
  it('train learns the samples and ends with the test split: report, confusion matrix, summary', async () => {
    const r = await cli(
      'train',
      '--out',
      run,
      '--epochs',
      '12',
      '--lr',
      '0.02',
      '--dropout',
      '0.1',
      ...small,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pos-tagger: UPOS on the samples: train 7 sentences/m);
    expect(r.stdout).toMatch(/^epoch 12\/12: train loss [\d.]+ \| dev loss [\d.]+ accuracy [\d.]+/m);
    expect(r.stdout).toMatch(
      /^test: accuracy [\d.]+% \| known words [\d.]+% \| unknown words [\d.]+% \(\d+ of \d+ tokens\)/m,
    );
    expect(r.stdout).toMatch(/^ {2}NOUN +precision [\d.]+ +recall [\d.]+ +F1 [\d.]+ +\(\d+\)$/m);
    for (const f of [
      'metrics.jsonl',
      'checkpoints/best.safetensors',
      'checkpoints/last.safetensors',
      'report/index.html',
      'report/confusion.png',
      'report/curves.png',
      'summary.json',
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(summary.app).toBe('pos-tagger');
    expect(Object.keys(summary.metrics)).toEqual(['dev', 'test']);
    expect(summary.metrics.test.tokens).toBe(95);
    // Twelve epochs on seven sentences: the training loss falls well below its start.
    const train = (await readMetrics(join(run, 'metrics.jsonl'))).filter((m) => m.split === 'train');
    expect(train[train.length - 1].metrics.loss).toBeLessThan(train[0].metrics.loss * 0.6);
    expect(readFileSync(join(run, 'report/index.html'), 'utf8')).toContain('PROPN');
  });

  it('eval prints overall, known/unknown and per-tag scores and draws the confusion matrix', async () => {
    const out = join(dir, 'eval');
    const r = await cli(
      'eval',
      '--checkpoint',
      join(run, 'checkpoints/best.safetensors'),
      '--split',
      'dev',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^dev: accuracy [\d.]+% \| known words [\d.]+% \| unknown words [\d.]+% \(\d+ of 83 tokens\)/m,
    );
    expect(r.stdout).toMatch(/^ {2}DET +precision/m);
    expect(existsSync(join(out, 'confusion.png'))).toBe(true);
    const dflt = await cli('eval', '--checkpoint', join(run, 'checkpoints/best.safetensors'));
    expect(dflt.code).toBe(0);
    expect(existsSync(join(run, 'eval-test', 'confusion.png'))).toBe(true);
  });

  it('predict tags arguments, standard input and CoNLL-U files', async () => {
    const ckpt = join(run, 'checkpoints/best.safetensors');
    const args = await cli('predict', '--checkpoint', ckpt, 'The AP comes this story .', 'Hello  world');
    expect(args.code).toBe(0);
    expect(args.stdout).toMatch(
      /^The\/[A-Z]+ AP\/[A-Z]+ comes\/[A-Z]+ this\/[A-Z]+ story\/[A-Z]+ \.\/[A-Z]+\nHello\/[A-Z]+ world\/[A-Z]+\n$/,
    );

    const stdin = vi
      .spyOn(process, 'stdin', 'get')
      .mockReturnValue(
        Readable.from([
          Buffer.from('One sentence here\n\n  and another \n'),
        ]) as unknown as typeof process.stdin,
      );
    try {
      const piped = await cli('predict', '--checkpoint', ckpt);
      expect(piped.code).toBe(0);
      expect(piped.stdout).toMatch(
        /^One\/[A-Z]+ sentence\/[A-Z]+ here\/[A-Z]+\nand\/[A-Z]+ another\/[A-Z]+\n$/,
      );
    } finally {
      stdin.mockRestore();
    }

    const input = datasetFiles(samplesDir()).udEwt.dev;
    const output = join(dir, 'tagged.conllu');
    const c = await cli('predict', '--checkpoint', ckpt, '--conllu', input, '--output', output);
    expect(c.code).toBe(0);
    const before = readFileSync(input, 'utf8').split('\n');
    const after = readFileSync(output, 'utf8').split('\n');
    expect(after.length).toBe(before.length);
    after.forEach((line, i) => {
      const a = line.split('\t');
      const b = before[i].split('\t');
      if (/^\d+\t/.test(line)) {
        expect(a.filter((_, k) => k !== 3)).toEqual(b.filter((_, k) => k !== 3)); // only UPOS may change
        expect(a[3]).toMatch(/^[A-Z]+$/);
      } else {
        expect(line).toBe(before[i]);
      }
    });
  });

  it('--tagset xpos learns Penn Treebank tags and fills the XPOS column', async () => {
    const out = join(dir, 'xpos');
    const r = await cli('train', '--out', out, '--epochs', '1', '--tagset', 'xpos', ...small);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pos-tagger: XPOS on the samples: .* \d+ tags \|/m);
    expect(r.stdout).toMatch(/^ {2}NNP +precision/m);
    const input = datasetFiles(samplesDir()).udEwt.test;
    const c = await cli(
      'predict',
      '--checkpoint',
      join(out, 'checkpoints/best.safetensors'),
      '--conllu',
      input,
    );
    expect(c.code).toBe(0);
    const before = readFileSync(input, 'utf8').split('\n');
    c.stdout.split('\n').forEach((line, i) => {
      const a = line.split('\t');
      const b = before[i].split('\t');
      expect(a.filter((_, k) => k !== 4)).toEqual(b.filter((_, k) => k !== 4)); // only XPOS may change
    });
  });

  it('--resume continues a run exactly: the same losses as a run that never stopped', async () => {
    const quick = [...small, '--hidden', '8', '--layers', '1'];
    const straight = join(dir, 'straight');
    expect((await cli('train', '--out', straight, '--epochs', '3', ...quick)).code).toBe(0);
    const resumed = join(dir, 'resumed');
    expect((await cli('train', '--out', resumed, '--epochs', '1', ...quick)).code).toBe(0);
    expect((await cli('train', '--out', resumed, '--epochs', '3', '--resume', ...quick)).code).toBe(0);
    const losses = async (d: string) =>
      (await readMetrics(join(d, 'metrics.jsonl'))).map((m) => `${m.split}@${m.step} ${m.metrics.loss}`);
    expect(await losses(resumed)).toEqual(await losses(straight));
    const other = await cli(
      'train',
      '--out',
      resumed,
      '--epochs',
      '4',
      '--resume',
      ...quick,
      '--tagset',
      'xpos',
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was trained with other settings: --tagset "xpos" (the run has "upos")');
  });

  it('bad flags, data and input exit non-zero with one clear line', async () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'ud-english-ewt'), { recursive: true });
    const files = datasetFiles(data).udEwt;
    writeFileSync(files.train, '1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_\n\n');
    const missing = await cli('train', '--data', data, '--out', join(dir, 'a'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^pos-tagger train: .*${files.dev}`));
    writeFileSync(files.dev, '1\tHi\thi\tINTJ\n\n');
    writeFileSync(files.test, files.train);
    const bad = await cli('train', '--data', data, '--out', join(dir, 'b'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^pos-tagger train: ${files.dev}:1: expected 10 tab-separated`));

    expect((await cli('train', '--tagset', 'ptb')).stderr).toBe(
      'pos-tagger train: --tagset: expected one of upos, xpos, got "ptb"\n',
    );
    const ckpt = join(run, 'checkpoints/best.safetensors');
    expect((await cli('predict', '--checkpoint', ckpt, '--output', join(dir, 'x'))).stderr).toBe(
      'pos-tagger predict: --output needs --conllu FILE\n',
    );
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, 'not a checkpoint');
    const ev = await cli('eval', '--checkpoint', corrupt);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toMatch(new RegExp(`^pos-tagger eval: ${corrupt}: is not a valid checkpoint: .+\\n$`));
  });
});
