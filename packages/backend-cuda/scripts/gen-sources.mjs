// Writes src/kernels/sources.generated.ts from src/kernels/cuda (see kernel-sources.mjs).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSources, renderSourcesModule } from './kernel-sources.mjs';

const dir = fileURLToPath(new URL('../src/kernels/cuda', import.meta.url));
const out = fileURLToPath(new URL('../src/kernels/sources.generated.ts', import.meta.url));
const sources = buildSources(dir);
writeFileSync(out, renderSourcesModule(sources));
if (process.argv.includes('--write-cu')) {
  // For nvcc: one self-contained .cu file per module in the given directory.
  const at = process.argv[process.argv.indexOf('--write-cu') + 1];
  for (const [name, text] of Object.entries(sources.modules)) writeFileSync(`${at}/${name}.cu`, text);
}
console.log(`kernel sources ${sources.hash}: ${Object.keys(sources.modules).join(', ')}`);
