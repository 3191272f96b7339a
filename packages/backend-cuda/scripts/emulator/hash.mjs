// What test/emulator/libemu_cuda.so is built from: the kernel sources, the emulator and the fake driver.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSources } from '../kernel-sources.mjs';

export function emulatorHash() {
  const pkg = (p) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
  const h = createHash('sha256').update(buildSources(pkg('src/kernels/cuda')).hash);
  for (const f of [
    'scripts/emulator/emulate.h',
    'scripts/emulator/emulator.cc',
    'scripts/emulator/modules.mjs',
    'test/fake-cuda/fake_cuda.c',
  ])
    h.update(readFileSync(pkg(f)));
  return h.digest('hex').slice(0, 16);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(emulatorHash());
