/**
 * The prebuilt addons, read as files: the platform each is built for, the glibc it needs (2.17: the
 * symbol versions it binds, measured like `objdump -T`), the libraries it loads, and that the
 * README lists exactly these platforms. The prebuild for the machine running the tests is also run:
 * `scripts/check-prebuild.mjs` compares every kernel with the JavaScript ones. (The arm64 and Windows
 * prebuilds run under qemu-user and Wine in `scripts/test-prebuilds.sh`, which needs both installed.)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCpuNative, nativeLoadError } from '../src/index';

const pkg = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const platforms = readdirSync(pkg('prebuilds')).sort();
const GLIBC_BASELINE = [2, 17];
/** The GEMM machine classes this CPU can run (`detected`: the one the addon picks by itself). */
const classesHere = [
  'detected',
  ...(loadCpuNative({ threads: 1 })
    ?.machine.gemmClasses()
    .filter((c) => c.supported)
    .map((c) => c.machineClass) ?? []),
];

interface Elf {
  machine: number;
  needed: string[];
  /** library → versions required from it, e.g. libc.so.6 → ['GLIBC_2.2.5', 'GLIBC_2.17'] */
  versions: Map<string, string[]>;
}

/** The dynamic section and the version needs of a 64-bit little-endian ELF shared object. */
function readElf(bytes: Buffer): Elf {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  expect(bytes[4], 'ELF64').toBe(2);
  expect(bytes[5], 'little-endian').toBe(1);
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      type: bytes.readUInt32LE(at + 4),
      offset: Number(bytes.readBigUInt64LE(at + 0x18)),
      size: Number(bytes.readBigUInt64LE(at + 0x20)),
      link: bytes.readUInt32LE(at + 0x28),
      info: bytes.readUInt32LE(at + 0x2c),
    };
  });
  const str = (section: number, at: number) => {
    const base = sections[section].offset + at;
    return bytes.subarray(base, bytes.indexOf(0, base)).toString('latin1');
  };
  const needed: string[] = [];
  const dynamic = sections.find((s) => s.type === 6); // SHT_DYNAMIC
  for (let at = dynamic!.offset; at < dynamic!.offset + dynamic!.size; at += 16) {
    const tag = Number(bytes.readBigInt64LE(at));
    if (tag === 0) break;
    if (tag === 1) needed.push(str(dynamic!.link, Number(bytes.readBigUInt64LE(at + 8)))); // DT_NEEDED
  }
  const versions = new Map<string, string[]>();
  const verneed = sections.find((s) => s.type === 0x6ffffffe); // SHT_GNU_verneed
  if (verneed) {
    let at = verneed.offset;
    for (let i = 0; i < verneed.info; i++) {
      const file = str(verneed.link, bytes.readUInt32LE(at + 4));
      const count = bytes.readUInt16LE(at + 2);
      let aux = at + bytes.readUInt32LE(at + 8);
      const names: string[] = [];
      for (let j = 0; j < count; j++) {
        names.push(str(verneed.link, bytes.readUInt32LE(aux + 8)));
        aux += bytes.readUInt32LE(aux + 12);
      }
      versions.set(file, names);
      at += bytes.readUInt32LE(at + 12);
    }
  }
  return { machine: bytes.readUInt16LE(0x12), needed, versions };
}

/** The machine, DLL flag and imported DLLs of a PE32+ file. */
function readPe(bytes: Buffer): { machine: number; dll: boolean; imports: string[] } {
  expect(bytes.subarray(0, 2).toString('latin1')).toBe('MZ');
  const pe = bytes.readUInt32LE(0x3c);
  expect(bytes.subarray(pe, pe + 4).toString('latin1')).toBe('PE\0\0');
  const coff = pe + 4;
  const sectionCount = bytes.readUInt16LE(coff + 2);
  const optionalSize = bytes.readUInt16LE(coff + 16);
  const optional = coff + 20;
  expect(bytes.readUInt16LE(optional), 'PE32+').toBe(0x20b);
  const importRva = bytes.readUInt32LE(optional + 112 + 8); // data directory 1: the import table
  const sections = Array.from({ length: sectionCount }, (_, i) => {
    const at = optional + optionalSize + i * 40;
    return {
      rva: bytes.readUInt32LE(at + 12),
      size: Math.max(bytes.readUInt32LE(at + 8), bytes.readUInt32LE(at + 16)),
      raw: bytes.readUInt32LE(at + 20),
    };
  });
  const offset = (rva: number) => {
    const s = sections.find((x) => rva >= x.rva && rva < x.rva + x.size)!;
    return rva - s.rva + s.raw;
  };
  const imports: string[] = [];
  for (let at = offset(importRva); bytes.readUInt32LE(at + 12) !== 0; at += 20) {
    const name = offset(bytes.readUInt32LE(at + 12));
    imports.push(bytes.subarray(name, bytes.indexOf(0, name)).toString('latin1'));
  }
  return { machine: bytes.readUInt16LE(coff), dll: (bytes.readUInt16LE(coff + 18) & 0x2000) !== 0, imports };
}

const version = (v: string) =>
  v
    .replace(/^GLIBC_/, '')
    .split('.')
    .map(Number);
const newer = (a: number[], b: number[]) =>
  (a[0] - b[0] || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0)) > 0;

describe('the prebuilt addons', () => {
  it('exist for exactly the platforms the README lists', () => {
    expect(platforms).toEqual(['linux-arm64', 'linux-x64', 'win32-x64']);
    const readme = readFileSync(pkg('README.md'), 'utf8');
    const section = readme.split('## Platforms')[1]?.split('\n## ')[0] ?? '';
    const listed = [...section.matchAll(/^\| `([a-z0-9]+-[a-z0-9]+)` \|/gm)].map((m) => m[1]).sort();
    expect(listed).toEqual(platforms);
  });

  for (const platform of platforms.filter((p) => p.startsWith('linux-'))) {
    it(`${platform}: an ELF for its CPU that needs glibc 2.17 at most and only libc, libm, libpthread`, () => {
      const elf = readElf(readFileSync(pkg(`prebuilds/${platform}/rnn_cpu.node`)));
      expect(elf.machine).toBe(platform === 'linux-x64' ? 62 : 183); // EM_X86_64, EM_AARCH64
      expect(elf.needed.sort()).toEqual(['libc.so.6', 'libm.so.6', 'libpthread.so.0']);
      const all = [...elf.versions.values()].flat();
      expect(all.length).toBeGreaterThan(0);
      const tooNew = all.filter((v) => !v.startsWith('GLIBC_') || newer(version(v), GLIBC_BASELINE));
      expect(tooNew, `versions above GLIBC_${GLIBC_BASELINE.join('.')}`).toEqual([]);
    });
  }

  it('win32-x64: a 64-bit DLL that imports only node.exe, KERNEL32 and msvcrt (no MinGW runtime DLLs)', () => {
    const pe = readPe(readFileSync(pkg('prebuilds/win32-x64/rnn_cpu.node')));
    expect(pe.machine).toBe(0x8664);
    expect(pe.dll).toBe(true);
    expect(pe.imports.map((d) => d.toLowerCase()).sort()).toEqual(['kernel32.dll', 'msvcrt.dll', 'node.exe']);
  });

  it(`the one for this machine agrees with the JavaScript kernels on every kernel, machine classes ${classesHere.join(', ')} (scripts/check-prebuild.mjs)`, () => {
    const here = `${process.platform}-${process.arch}`;
    if (!platforms.includes(here)) {
      expect(loadCpuNative()).toBeNull();
      expect(nativeLoadError()).toMatch(/could not load|disabled/);
      return;
    }
    // on x86-64 every machine class this CPU can run (the detected one first); none is skipped
    // silently: the test names say which ran
    for (const cls of classesHere) {
      const env: NodeJS.ProcessEnv = { ...process.env, RNN_NO_NATIVE: '' };
      delete env.RNN_NATIVE_NO_AVX512;
      if (cls === 'detected') delete env.RNN_CPU_CLASS;
      else env.RNN_CPU_CLASS = cls;
      const out = execFileSync(
        process.execPath,
        [pkg('scripts/check-prebuild.mjs'), pkg(`prebuilds/${here}/rnn_cpu.node`)],
        { encoding: 'utf8', env },
      );
      if (cls !== 'detected') expect(out).toContain(`(class ${cls}: `);
      expect(out).toMatch(/: \d+ checks, 18 kernels called/);
      expect(out.trim().endsWith('ok')).toBe(true);
    }
  });
});
