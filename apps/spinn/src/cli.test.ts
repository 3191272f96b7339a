import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBinaryBracketing } from '@rnn/data';
import { samplesDir } from '@rnn/data/node';
import { readMetrics, runCli } from '@rnn/train/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { program } from './program';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spinn-'));
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

// Small shapes: the sample has 6 training pairs.
const quick = [
  '--epochs',
  '2',
  '--batch-size',
  '4',
  '--hidden',
  '8',
  '--tracker',
  '4',
  '--embed-dim',
  '8',
  '--mlp-dim',
  '16',
];

describe('spinn', () => {
  it('train writes metrics, checkpoints, a report and a summary; eval and predict use the checkpoint', async () => {
    const out = join(dir, 'run');
    const summary = join(dir, 'results', 'pi.json');
    const r = await cli('train', '--out', out, ...quick, '--summary', summary);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('train: 6 pairs of');
    expect(r.stdout).toMatch(/^epoch 2\/2: train loss [\d.]+ \| valid accuracy [\d.]+ loss [\d.]+/m);
    for (const f of ['metrics.jsonl', 'checkpoints/best.safetensors', 'report/index.html', 'summary.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    expect(s.app).toBe('spinn');
    expect(s.extra.variant).toBe('spinn-pi');
    expect(s.metrics.test.accuracy).toBeGreaterThanOrEqual(0);

    const checkpoint = join(out, 'checkpoints/best.safetensors');
    const ev = await cli('eval', '--checkpoint', checkpoint);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/test accuracy [\d.]+%/);
    expect(ev.stdout).toMatch(/neutral +precision [\d.]+ recall/);

    const input = join(dir, 'pairs.tsv');
    writeFileSync(
      input,
      'A man is playing a guitar.\tA person plays music.\n( ( a dog ) runs )\tAn animal sleeps.\n',
    );
    const p = await cli('predict', '--checkpoint', checkpoint, input);
    expect(p.code).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // SPINN-PI without a trained transition head: the given parse, else a right-branching tree.
    expect(lines[0]).toMatch(
      /^(entailment|neutral|contradiction)\tentailment=[\d.]+ neutral=[\d.]+ contradiction=[\d.]+\t\( a \( man \( is \( playing \( a \( guitar \. \) \) \) \) \) \)\t/,
    );
    expect(lines[1].split('\t')[2]).toBe('( ( a dog ) runs )');
    const probs = lines[0].match(/=([\d.]+)/g)!.map((x) => Number(x.slice(1)));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);

    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'no tab here\n');
    const b = await cli('predict', '--checkpoint', checkpoint, bad);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${bad}:1: expected premise<TAB>hypothesis, got "no tab here"`);
  });

  it('the REINFORCE variant trains, reports its trees, and its checkpoints resume exactly', async () => {
    const rl = ['--model', 'spinn-rl', ...quick, '--batch-norm', '--log-every', '1'];
    const straight = join(dir, 'straight');
    const r = await cli('train', '--out', straight, ...rl, '--epochs', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test trees: REDUCE among free choices [\d.]+% \| mean depth [\d.]+/);
    expect(r.stdout).toMatch(/reference, right-branching: REDUCE among free choices 0\.00%/);
    const s = JSON.parse(readFileSync(join(straight, 'summary.json'), 'utf8'));
    expect(s.extra.testTrees.reduceFraction).toBeGreaterThan(0);
    expect(s.extra.testTrees.spanF1).toBeGreaterThanOrEqual(0);

    const resumed = join(dir, 'resumed');
    expect((await cli('train', '--out', resumed, ...rl, '--epochs', '1')).code).toBe(0);
    expect((await cli('train', '--out', resumed, ...rl, '--epochs', '3', '--resume')).code).toBe(0);
    const losses = async (d: string) =>
      (await readMetrics(join(d, 'metrics.jsonl'))).map((m) => `${m.split}@${m.step} ${m.metrics.loss}`);
    expect(await losses(resumed)).toEqual(await losses(straight));

    // predict: the tracker chooses each sentence's tree (a valid bracketing of its words).
    const input = join(dir, 'pairs.tsv');
    writeFileSync(input, 'Two dogs run on the grass.\tAnimals are outside.\n');
    const p = await cli('predict', '--checkpoint', join(straight, 'checkpoints/best.safetensors'), input);
    expect(p.code, p.stderr).toBe(0);
    const [, , premise, hypothesis] = p.stdout.trim().split('\t');
    const parsed = parseBinaryBracketing(premise);
    expect(typeof parsed === 'string' ? parsed : parsed.tokens).toEqual([
      'two',
      'dogs',
      'run',
      'on',
      'the',
      'grass',
      '.',
    ]);
    expect(typeof parseBinaryBracketing(hypothesis)).toBe('object');
  });

  it('SPINN-PI with a supervised transition loss, and REINFORCE with a self-critical baseline', async () => {
    const pi = join(dir, 'pi-tl');
    const r = await cli('train', '--out', pi, ...quick, '--transition-loss', '1');
    expect(r.code, r.stderr).toBe(0);
    const input = join(dir, 'one.tsv');
    writeFileSync(input, 'A dog runs in the park.\tAn animal moves.\n');
    // The transition head chooses the trees now (greedy), whatever they look like: valid brackets.
    const p = await cli('predict', '--checkpoint', join(pi, 'checkpoints/best.safetensors'), input);
    expect(p.code, p.stderr).toBe(0);
    const parsed = parseBinaryBracketing(p.stdout.trim().split('\t')[2]);
    expect(typeof parsed === 'string' ? parsed : parsed.tokens).toEqual([
      'a',
      'dog',
      'runs',
      'in',
      'the',
      'park',
      '.',
    ]);

    const sc = await cli(
      'train',
      '--model',
      'spinn-rl',
      '--baseline',
      'self-critical',
      '--out',
      join(dir, 'sc'),
      ...quick,
    );
    expect(sc.code, sc.stderr).toBe(0);
    expect(sc.stdout).toMatch(/test trees: REDUCE among free choices/);
  });

  it('the baselines train on the same data', async () => {
    for (const model of ['bow', 'lstm', 'spinn-pi-nt'] as const) {
      const out = join(dir, model);
      const r = await cli('train', '--model', model, '--out', out, ...quick);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).extra.variant).toBe(model);
    }
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"batched": {}}');
    const table = await cli('summarize', join(dir, 'bow'), join(dir, 'lstm'), other);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('| bag of words (mean of word vectors) | 1 (0) |');
    expect(table.stdout).toContain(`(not run summaries, left out: ${other})`);
  });

  it('bench measures pairs/s batched and one at a time', async () => {
    const out = join(dir, 'bench.json');
    const r = await cli(
      'bench',
      '--batch-size',
      '4',
      '--batches',
      '2',
      '--singles',
      '3',
      '--hidden',
      '8',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /batched \(4 pairs per step\): [\d.]+ pairs\/s \| one at a time: [\d.]+ pairs\/s \| ratio [\d.]+×/,
    );
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.ratio).toBeGreaterThan(0);
    expect(j.batched.pairs).toBe(8);
    expect(j.single.pairs).toBe(3);
  });

  it('word vectors from a text file (and a .npz with its vocabulary) initialise the embeddings', async () => {
    const vectors = join(dir, 'vectors.txt');
    writeFileSync(vectors, 'a 0.1 0.2 0.3\ndog 0.5 0.5 0.5\nman -1 0 1\n');
    const out = join(dir, 'vec');
    const r = await cli('train', '--out', out, ...quick, '--vectors', vectors, '--freeze-embeddings');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/vectors\.txt: 3 of \d+ words \([\d.]+%\), frozen/);

    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const npz = await cli(
      'train',
      '--out',
      join(dir, 'npz'),
      ...quick,
      '--vectors',
      join(fixtures, 'vectors.npz'),
      '--vectors-vocab',
      join(fixtures, 'vectors.vocab.json'),
    );
    expect(npz.code, npz.stderr).toBe(0);
    expect(npz.stdout).toMatch(/vectors\.npz: 5 of \d+ words \([\d.]+%\), fine-tuned/);

    const missing = await cli(
      'train',
      '--out',
      join(dir, 'npz2'),
      ...quick,
      '--vectors',
      join(dir, 'nope.npz'),
    );
    expect(missing.code).toBe(2);
    const noVocab = await cli(
      'train',
      '--out',
      join(dir, 'npz3'),
      ...quick,
      '--vectors',
      join(fixtures, 'vectors.npz'),
    );
    expect(noVocab.code).toBe(1);
    expect(noVocab.stderr).toContain('a .npz of vectors needs its tokens: pass --vectors-vocab FILE');
  });

  it('bad flags and data exit non-zero with one clear line', async () => {
    expect((await cli('train', '--model', 'tree')).stderr).toMatch(/--model: expected one of spinn-pi/);
    const data = join(dir, 'data');
    mkdirSync(join(data, 'snli'), { recursive: true });
    for (const f of ['snli_1.0_train_0.01.jsonl', 'snli_1.0_dev.jsonl', 'snli_1.0_test.jsonl']) {
      writeFileSync(join(data, 'snli', f), readFileSync(join(samplesDir(), 'snli', f)));
    }
    writeFileSync(
      join(data, 'snli', 'snli_1.0_dev.jsonl'),
      '{"gold_label": "neutral", "sentence1_binary_parse": "( a b"}\n',
    );
    const r = await cli('train', '--data', data, '--out', join(dir, 'x'), ...quick);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/snli_1\.0_dev\.jsonl:1: "sentence1_binary_parse": expected balanced brackets/);
  });
});
