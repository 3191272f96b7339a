import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError } from '@rnn/tensor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkpointFlags,
  checkResumeConfig,
  defineCommand,
  flags,
  openRunDir,
  parseCommand,
  runCli,
  trainFlags,
  UsageError,
} from '../src/node';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const seen: unknown[] = [];
const train = defineCommand({
  description: 'Train the tagger.\nSecond line of the description.',
  flags: {
    ...trainFlags({ out: 'runs/tagger' }),
    epochs: flags.int({ help: 'epochs', default: 10, min: 1 }),
    lr: flags.number({ help: 'learning rate', default: 1e-3, above: 0 }),
    layerNorm: flags.boolean({ help: 'LayerNorm' }),
    rnn: flags.choice(['lstm', 'gru'] as const, { help: 'cell', default: 'lstm' }),
    vocab: flags.path({ help: 'vocabulary file', mustExist: 'file' }),
    name: flags.string({ help: 'run name', required: true }),
  },
  examples: ['tagger train --name a'],
  run(values) {
    // The values are typed: numbers, a union of the choices, booleans, optional paths.
    const typed: {
      epochs: number;
      rnn: 'lstm' | 'gru';
      vocab: string | undefined;
      data: string | undefined;
    } = values;
    seen.push(typed);
    return values.epochs === 99 ? 3 : undefined;
  },
});
const predict = defineCommand({
  description: 'Predict.',
  flags: checkpointFlags(),
  positionals: { name: 'TEXT', help: 'sentences', min: 1 },
  run: (_values, context) => {
    seen.push(context.positionals);
  },
});
const failing = defineCommand({
  description: 'Fails.',
  flags: {},
  run: () => {
    throw new CheckpointError('/x/last.safetensors', 'is not a valid checkpoint: truncated\nsecond line');
  },
});
const program = { name: 'tagger', description: 'The POS tagger.', commands: { train, predict, failing } };

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  seen.length = 0;
  const code = await runCli(program, argv, {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  return { code, stdout: out.join(''), stderr: err.join(''), seen: seen[0] };
}

describe('command line', () => {
  it('parses typed flags over a JSON config over the defaults; flags win', async () => {
    const config = join(dir, 'sub', 'config.json');
    mkdirSync(join(dir, 'sub', 'data'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'vocab.txt'), 'a\n');
    writeFileSync(
      config,
      JSON.stringify({
        epochs: 5,
        lr: '0.01',
        'layer-norm': true,
        rnn: 'gru',
        vocab: 'vocab.txt',
        data: 'data',
      }),
    );
    const r = await cli(
      'train',
      '--config',
      config,
      '--epochs=7',
      '--name',
      'x',
      '--no-layer-norm',
      '--seed',
      '3',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.seen).toEqual({
      data: join(dir, 'sub', 'data'), // paths in a config file are relative to it
      out: 'runs/tagger',
      backend: 'cpu',
      seed: 3,
      resume: false,
      overwrite: false,
      epochs: 7,
      lr: 0.01,
      layerNorm: false,
      rnn: 'gru',
      vocab: join(dir, 'sub', 'vocab.txt'),
      name: 'x',
    });
    expect((await cli('train', '--name', 'x', '--epochs', '99')).code).toBe(3);
    expect((await cli('predict', '--checkpoint', config, 'a b', 'c')).seen).toEqual(['a b', 'c']);
  });

  it.each([
    [
      ['train', '--name', 'x', '--lrr', '1'],
      'tagger train: unknown flag --lrr (did you mean --lr?) (see --help)',
    ],
    [
      ['train', '--name', 'x', '--epochs', 'ten'],
      'tagger train: --epochs: expected an integer >= 1, got "ten"',
    ],
    [['train', '--name', 'x', '--epochs', '0'], 'tagger train: --epochs: expected an integer >= 1, got "0"'],
    [['train', '--name', 'x', '--lr', '0'], 'tagger train: --lr: expected a number > 0, got "0"'],
    [['train', '--name', 'x', '--rnn', 'tcn'], 'tagger train: --rnn: expected one of lstm, gru, got "tcn"'],
    [
      ['train', '--name', 'x', '--backend', 'tpu'],
      'tagger train: --backend: expected one of cpu, webgpu, cuda, got "tpu"',
    ],
    [['train'], 'tagger train: --name is required (expected a string)'],
    [['train', '--name'], 'tagger train: --name needs a value'],
    [['train', '--name', 'x', '--resume=yes'], 'tagger train: --resume is a switch and takes no value'],
    [
      ['train', '--name', 'x', 'extra'],
      'tagger train: unexpected argument "extra": this command takes only flags (see --help)',
    ],
    [
      ['predict', '--checkpoint', '/nonexistent/model.safetensors', 'a'],
      'tagger predict: --checkpoint: expected a file, got "/nonexistent/model.safetensors", which does not exist',
    ],
    [
      ['predict', '--checkpoint', '/tmp', 'a'],
      'tagger predict: --checkpoint: expected a file, got "/tmp", which is a folder',
    ],
    [
      ['train', '--name', 'x', '--config', '/nonexistent.json'],
      '--config /nonexistent.json: cannot read it (no such file)',
    ],
    [
      ['train', '--name', 'x', '--lr', '-1'],
      'tagger train: --lr: to give a value that starts with "-", write --lr=VALUE',
    ],
    [['train', '--name', 'x', '--lr=-1'], 'tagger train: --lr: expected a number > 0, got "-1"'],
    [
      ['predict', '--checkpoint', '/tmp', '-0.5'],
      'tagger predict: unknown flag -0 (to pass a negative number as an argument, put -- before the arguments)',
    ],
    [
      ['tran'],
      'tagger: unknown command "tran" (did you mean train?) (expected one of: train, predict, failing)',
    ],
  ])('%j exits 2 with one clear line', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.seen).toBeUndefined();
  });

  it('reports unreadable or wrong config files with the file name', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"epochs": 3,');
    expect((await cli('train', '--config', bad)).stderr).toMatch(
      new RegExp(`^${bad}: expected a JSON object of flag values, got invalid JSON \\(.+\\)\\n$`),
    );
    writeFileSync(bad, '[1]');
    expect((await cli('train', '--config', bad)).stderr).toBe(
      `${bad}: expected a JSON object of flag values, got an array\n`,
    );
    writeFileSync(bad, '{"epoch": 3}');
    expect((await cli('train', '--config', bad)).stderr).toMatch(
      new RegExp(
        `^${bad}: unknown key "epoch" \\(did you mean "?epochs"?\\?\\) \\(expected one of: data, out, `,
      ),
    );
    writeFileSync(bad, '{"epochs": 2.5, "name": "x"}');
    expect((await cli('train', '--config', bad)).stderr).toBe(
      `tagger train: ${bad}: "epochs": expected an integer >= 1, got 2.5\n`,
    );
  });

  it('generates --help for the program and each command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('usage: tagger <command> [flags]');
    expect(top.stdout).toMatch(/\n {2}train +Train the tagger\.\n/);
    expect((await cli()).code).toBe(2);
    const help = await cli('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'usage: tagger train [flags]\n\nTrain the tagger.\nSecond line of the description.',
    );
    expect(help.stdout).toMatch(/--epochs N +epochs \(an integer >= 1; default 10\)/);
    expect(help.stdout).toMatch(/--\[no-\]layer-norm +LayerNorm \(default off\)/);
    expect(help.stdout).toMatch(/--backend cpu\|webgpu\|cuda +compute backend \(default cpu\)/);
    expect(help.stdout).toMatch(/--name TEXT +run name \(required\)/);
    expect(help.stdout).toMatch(/--config FILE +JSON object of flag values/);
    expect(help.stdout).toContain('examples:\n  tagger train --name a');
    expect((await cli('predict', '-h')).stdout).toContain('usage: tagger predict [flags] TEXT...');
  });

  it('a failing command is one line and exit 1; a bug keeps its stack', async () => {
    const r = await cli('failing');
    expect(r).toMatchObject({
      code: 1,
      stderr: 'tagger failing: /x/last.safetensors: is not a valid checkpoint: truncated; second line\n',
    });
    const buggy = {
      ...program,
      commands: {
        b: defineCommand({
          description: '',
          flags: {},
          run: () => (null as unknown as { x: () => void }).x(),
        }),
      },
    };
    const err: string[] = [];
    const code = await runCli(buggy as never, ['b'], {
      stdout: { write: () => 0 },
      stderr: { write: (s) => err.push(s) },
    });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(
      /^tagger b: unexpected error \(a bug; please report it\)\nTypeError: .*\n {4}at /,
    );
  });

  it('parseCommand can be used alone and throws UsageErrors', () => {
    expect(parseCommand(train, ['--help'])).toEqual({ help: true });
    expect(() => parseCommand(train, ['--epochs', '-3', '--name', 'x'], 'x')).toThrow(UsageError);
    expect(new CheckpointError('f', 'd')).toBeInstanceOf(DataFormatError);
  });
});

describe('checkResumeConfig', () => {
  it('names every flag that differs from the run being resumed, except those that may change', () => {
    const saved = { hidden: 32, lr: 0.1, epochs: 10, layerNorm: false };
    expect(() =>
      checkResumeConfig('c.safetensors', saved, { ...saved, epochs: 20, resume: true }),
    ).not.toThrow();
    expect(() =>
      checkResumeConfig('c.safetensors', saved, { ...saved, hidden: 64, layerNorm: true }),
    ).toThrow(
      '--resume: c.safetensors was trained with other settings: --hidden 64 (the run has 32), ' +
        '--layer-norm true (the run has false); give the same flags (only --epochs and the like may change)',
    );
  });
});

describe('openRunDir', () => {
  it('refuses to overwrite a run by accident, and to resume nothing', async () => {
    const out = join(dir, 'run');
    const run = await openRunDir(out);
    expect(run.checkpoints).toBe(join(out, 'checkpoints'));
    await expect(openRunDir(out, { resume: true })).rejects.toThrow(
      `--resume: expected a checkpoint to continue from at ${join(out, 'checkpoints', 'last.safetensors')}, got none`,
    );
    writeFileSync(run.metrics, '');
    await expect(openRunDir(out)).rejects.toThrow(
      /already holds a run .*: pass --resume to continue it, --overwrite to start over/,
    );
    writeFileSync(join(run.checkpoints, 'last.safetensors'), 'x');
    await expect(openRunDir(out, { resume: true })).resolves.toMatchObject({ root: out });
    await openRunDir(out, { overwrite: true });
    await expect(openRunDir(out, { resume: true })).rejects.toThrow(/got none/);
    // With --resume, --overwrite is ignored: resuming never deletes a run.
    writeFileSync(join(run.checkpoints, 'last.safetensors'), 'x');
    await openRunDir(out, { resume: true, overwrite: true });
    expect(existsSync(join(run.checkpoints, 'last.safetensors'))).toBe(true);
  });
});
