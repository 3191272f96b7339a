import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fit } from '../src';
import { CheckpointManager, readCheckpointMeta, signalExitCode } from '../src/node';
import { bits, tinyRun } from './helpers/tiny';

// The child runs TypeScript through vite-node (a dependency of vitest), with this package's aliases.
const here = dirname(fileURLToPath(import.meta.url));
const fromVitest = createRequire(createRequire(import.meta.url).resolve('vitest/package.json'));
const viteNode = join(dirname(fromVitest.resolve('vite-node/package.json')), 'vite-node.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnn-train-sig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has printed `afterStep` steps, sends `signal`, and collects what it printed. */
async function trainAndSignal(signal: NodeJS.Signals, afterStep: number) {
  const child = spawn(
    process.execPath,
    [viteNode, '--config', join(here, '../vitest.config.ts'), join(here, 'helpers/interrupt-child.ts')],
    { env: { ...process.env, CKPT_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!sent && new RegExp(`^step ${afterStep} `, 'm').test(stdout)) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const losses = [...stdout.matchAll(/^step (\d+) (\S+)$/gm)].map((m) => Number(m[2]));
  return { code, stdout, stderr, losses, sent };
}

describe('interrupting training', () => {
  it('SIGINT: the child finishes its step, writes a checkpoint, exits 130; resuming it matches an uninterrupted run', async () => {
    const r = await trainAndSignal('SIGINT', 10);
    expect(r.sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(
      /^interrupted \(SIGINT\) (at|after) epoch \d+, step \d+\ncheckpoint written: .+\.safetensors\n/m,
    );
    expect(signalExitCode('SIGINT')).toBe(130);
    const stopped = Number(/^interrupted at step (\d+)$/m.exec(r.stdout)?.[1]);
    expect(stopped).toBeGreaterThanOrEqual(10);
    expect(r.losses).toHaveLength(stopped);

    const checkpoints = new CheckpointManager(dir);
    const { progress } = await readCheckpointMeta(checkpoints.lastPath);
    expect(progress.step).toBe(stopped);
    expect(progress.epoch * 4 + progress.batch).toBe(stopped);

    // Continue in this process to the end of the next epoch but one; compare with a run that never stopped.
    const epochs = progress.epoch + 2;
    const resumed = tinyRun(0);
    await fit({ ...resumed.options, epochs, checkpoints, resume: true });
    const straight = tinyRun(0);
    await fit({ ...straight.options, epochs });
    expect(bits([...r.losses, ...resumed.losses])).toBe(bits(straight.losses));
  });

  it('SIGTERM: the same, exit status 143', async () => {
    const r = await trainAndSignal('SIGTERM', 3);
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(
      /^interrupted \(SIGTERM\) (at|after) epoch \d+, step \d+\ncheckpoint written: .+\.safetensors\n/m,
    );
    expect(existsSync(join(dir, 'last.safetensors'))).toBe(true);
    const { progress } = await readCheckpointMeta(join(dir, 'last.safetensors'));
    expect(progress.step).toBe(r.losses.length);
  });
});
