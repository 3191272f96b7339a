import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetrics, runCli } from '@rnn/train/node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { program } from './program';
import { CarriedWindows } from './training';

const dir = mkdtempSync(join(tmpdir(), 'rnn-lm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in this process; returns its exit status and what it printed. */
async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
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
    errSpy.mockRestore();
  }
}

// A tiny model on the repo's PTB sample: 22 steps per epoch, a fraction of a second each.
const quick = [
  ...['--embed', '16', '--hidden', '16', '--dropout', '0.1', '--batch-size', '4', '--bptt', '12'],
  ...['--eval-batch-size', '2', '--log-every', '1', '--lr', '5'],
];

const losses = async (d: string) =>
  (await readMetrics(join(d, 'metrics.jsonl'))).map((m) => `${m.split}@${m.step} ${m.metrics.loss}`);

describe('rnn-lm', () => {
  const run = join(dir, 'run');
  const best = join(run, 'checkpoints', 'best.safetensors');

  it('train: perplexity every epoch, best checkpoint, test perplexity, a sample, a summary', async () => {
    const r = await cli('train', '--out', run, ...quick, '--epochs', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PTB sample: 1,100 training tokens, vocabulary \d+ \| preset small: 2×16 LSTM/);
    expect(r.stdout).toMatch(/ptb\.valid\.txt: \d+ unknown words read as <unk>/);
    expect(r.stdout).toMatch(/^epoch 3\/3: train loss [\d.]+ \| valid loss [\d.]+ perplexity [\d.]+/m);
    expect(r.stdout).toMatch(/test perplexity [\d.]+ \(342 test tokens, <eos> counted\)/);
    expect(r.stdout).toContain('a sample from the best checkpoint');
    for (const f of ['metrics.jsonl', 'checkpoints/last.safetensors', 'report/index.html', 'summary.json']) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    expect(existsSync(best)).toBe(true);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(summary.app).toBe('rnn-lm');
    expect(summary.config.hyper).toMatchObject({ hidden: 16, layers: 2, tied: true, optimizer: 'sgd' });
    const { loss, perplexity } = summary.metrics.test;
    expect(perplexity).toBeCloseTo(Math.exp(loss), 6);
    // Better than a uniform guess over the vocabulary after 3 epochs.
    expect(perplexity).toBeLessThan(summary.extra.vocabulary);
    expect(summary.extra.history).toHaveLength(3);
  });

  it('eval: perplexity of a checkpoint on any corpus-format file, unknown words counted', async () => {
    const text = join(dir, 'mine.txt');
    writeFileSync(text, ' the company said it expects zyxwvut results \n the board met \n');
    const r = await cli('eval', '--checkpoint', best, text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /mine\.txt: 2 lines, 11 tokens scored \(<eos> counted, 1 stream\) \| 3 unknown words read as <unk> \(25\.00%; e\.g\. "expects" ×1, "met" ×1, "zyxwvut" ×1\) \| loss [\d.]+ \| perplexity [\d.]+/,
    );
    // Without a file: the test split of the sample; with train's settings, the figure train reported.
    const test = await cli('eval', '--checkpoint', best, '--batch-size', '2', '--bptt', '12');
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(test.stdout).toContain(`perplexity ${summary.metrics.test.perplexity.toFixed(2)}`);
    const missing = await cli('eval', '--checkpoint', best, join(dir, 'nope.txt'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.txt: expected a text file in the corpus format, got no such file');
  });

  it('sample: streams words; the same seed gives the same text, another seed other text', async () => {
    const a = await cli('sample', '--checkpoint', best, '--words', '30', '--seed', '3');
    const b = await cli('sample', '--checkpoint', best, '--words', '30', '--seed', '3');
    const c = await cli('sample', '--checkpoint', best, '--words', '30', '--seed', '4');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    const words = a.stdout.split(/\s+/).filter(Boolean);
    expect(words.length).toBeGreaterThan(15); // 30 draws, some of them line breaks (<eos>)
    expect(a.stdout).not.toContain('<eos>');

    // A prompt starts the text; an unknown word in it is reported; top-k 1 is the argmax whatever the seed.
    const p = [
      'sample',
      '--checkpoint',
      best,
      '--prompt',
      'the qqqq company',
      '--words',
      '10',
      '--top-k',
      '1',
    ];
    const g1 = await cli(...p, '--seed', '1');
    const g2 = await cli(...p, '--seed', '2', '--temperature', '0.5');
    expect(g1.stdout.startsWith('the qqqq company')).toBe(true);
    expect(g1.stderr).toContain('read as <unk> (not in the vocabulary): qqqq');
    expect(g1.stdout).toBe(g2.stdout);
  });

  it('--resume after an interrupt mid-epoch repeats the losses of an uninterrupted run', async () => {
    const straight = join(dir, 'straight');
    expect((await cli('train', '--out', straight, ...quick, '--epochs', '2')).code).toBe(0);

    // Ctrl-C after step 30 (in epoch 2, with a carried state): the step ends, last.safetensors is written.
    const resumed = join(dir, 'resumed');
    let steps = 0;
    const carry = CarriedWindows.prototype.carry;
    const spy = vi.spyOn(CarriedWindows.prototype, 'carry').mockImplementation(async function (
      this: CarriedWindows,
      state,
    ) {
      await carry.call(this, state);
      if (++steps === 30) process.emit('SIGINT', 'SIGINT'); // as Node delivers a Ctrl-C
    });
    const stopped = await cli('train', '--out', resumed, ...quick, '--epochs', '2');
    spy.mockRestore();
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(130);
    expect(stopped.stdout).toContain('interrupted (SIGINT) at epoch 2, step 30');

    const again = await cli('train', '--out', resumed, ...quick, '--epochs', '2', '--resume');
    expect(again.code).toBe(0);
    expect(await losses(resumed)).toEqual(await losses(straight));
    const s1 = JSON.parse(readFileSync(join(straight, 'summary.json'), 'utf8'));
    const s2 = JSON.parse(readFileSync(join(resumed, 'summary.json'), 'utf8'));
    expect(s2.metrics).toEqual(s1.metrics);

    const other = await cli(
      'train',
      '--out',
      resumed,
      ...quick,
      '--epochs',
      '3',
      '--hidden',
      '8',
      '--resume',
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was trained with other settings: --hidden 8 (the run has 16)');
  });

  it('bad flags, data and checkpoints exit non-zero with one clear line', async () => {
    const noPtb = await cli('train', '--data', dir, '--out', join(dir, 'x'));
    expect(noPtb.code).toBe(1);
    expect(noPtb.stderr).toBe(
      `rnn-lm train: ${join(dir, 'ptb', 'ptb.train.txt')}: expected a text file in the corpus format, got no such file\n`,
    );
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, 'not a checkpoint');
    const ev = await cli('sample', '--checkpoint', corrupt);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toMatch(new RegExp(`^rnn-lm sample: ${corrupt}: is not a valid checkpoint: .+\\n$`));
    expect((await cli('train', '--preset', 'large')).stderr).toBe(
      'rnn-lm train: --preset: expected one of tutorial, small, medium, got "large"\n',
    );
    const untieable = await cli(
      'train',
      '--tied',
      'yes',
      '--embed',
      '8',
      '--hidden',
      '16',
      '--out',
      join(dir, 'y'),
    );
    expect(untieable.code).toBe(1);
    expect(untieable.stderr).toBe(
      'rnn-lm train: RNNLM: tied weights need embedSize === hiddenSize, got 8 and 16 (pass --tied no)\n',
    );
  });
});
