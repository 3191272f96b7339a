// Writes one host C++ file per kernel module (for the emulator, see emulate.h): the module's CUDA C as
// NVRTC gets it, after the host prelude, and a table registering each kernel the module defines (the
// names of its entries in the addon's prebuilt PTX).
//   node modules.mjs <dir of NAME.cu> <out dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [cuDir, outDir] = process.argv.slice(2);
const addon = createRequire(import.meta.url)(
  fileURLToPath(new URL('../../prebuilds/linux-x64/rnn_cuda.node', import.meta.url)),
);
const ptx = addon.fallbackPtx().modules;
for (const file of readdirSync(cuDir).filter((f) => f.endsWith('.cu'))) {
  const name = file.slice(0, -3);
  const entries = [...ptx[name].matchAll(/\.entry\s+(\w+)\s*\(/g)].map((m) => m[1]);
  const text = [
    '#include "emulate.h"',
    readFileSync(join(cuDir, file), 'utf8'),
    'static const emu::Entry kEntries[] = {',
    ...entries.map((e) => `  {"${e}", &emu::thunk<&${e}>},`),
    '};',
    `static const int kRegistered = (emu::register_module("${name}", kEntries, ${entries.length}), 0);`,
    '',
  ].join('\n');
  writeFileSync(join(outDir, `${name}.cc`), text);
}
