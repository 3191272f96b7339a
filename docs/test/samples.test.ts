/**
 * Every TypeScript sample of the site's pages type-checks against the packages' published types,
 * and every Node sample runs to completion (in a fresh temporary folder, with the built packages).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundleTs } from '../scripts/run-ts.mjs';
import { type Sample, samplesOf, sitePages, typeCheck, writeSamples } from './samples';

const docsDir = join(import.meta.dirname, '..');
const samples: Sample[] = sitePages(docsDir).flatMap((page) => samplesOf(docsDir, page));
const files = writeSamples(docsDir, samples);
const run = promisify(execFile);
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

it('finds the samples of the guides', () => {
  const pages = new Set(samples.map((s) => s.page));
  for (const guide of [
    'getting-started',
    'from-pytorch',
    'packed-sequences',
    'memory',
    'backends',
    'writing-a-backend',
    'pytorch-weights',
    'data-loading',
  ]) {
    expect(pages, `guide/${guide}.md has no TypeScript sample`).toContain(`guide/${guide}.md`);
  }
});

it('type-checks every sample', () => {
  const errors = typeCheck(docsDir, samples, files);
  expect(errors, errors.join('\n')).toEqual([]);
}, 120_000);

describe('runs every Node sample', () => {
  for (const s of samples.filter((x) => x.mode === 'node')) {
    it(`${s.page}:${s.line}`, async () => {
      const bundle = await bundleTs(files.get(s.id)!, `${s.id}.mjs`);
      const cwd = mkdtempSync(join(tmpdir(), 'rnn-sample-'));
      try {
        await run(process.execPath, [bundle], {
          cwd,
          timeout: 90_000,
          // WebGPU in Node (Dawn) on SwiftShader, the software Vulkan driver Debian's chromium ships,
          // as @rnn/backend-webgpu's own tests run it
          env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
        });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string; message: string };
        throw new Error(
          `${s.page}:${s.line}: the sample failed\n${err.stderr || err.message}\n${err.stdout ?? ''}`,
        );
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
