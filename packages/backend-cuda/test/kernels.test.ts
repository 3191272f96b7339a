/**
 * What can be checked of the kernels without a GPU: the generated sources are current, the addon's
 * prebuilt PTX was built from them, every kernel the host launches exists in it with exactly the
 * parameter list the host packs, the packing itself, the row-major → cuBLAS mapping, and the packed
 * sequence bookkeeping of rnnLayer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSources, renderSourcesModule } from '../scripts/kernel-sources.mjs';
import '../src/cuda-backend'; // declares every kernel
import { ArgPacker, DIMS_BYTES, type KernelSpec, type ParamKind, paramBytes } from '../src/device/args';
import { type GemmCall, toColumnMajor } from '../src/device/context';
import { previousRows } from '../src/kernels/rnn-layer';
import { KERNEL_SOURCES, KERNEL_SOURCES_HASH } from '../src/kernels/sources.generated';
import { declaredKernels } from '../src/kernels/spec';
import { loadAddon } from '../src/runtime/addon';

const { addon, error } = loadAddon();

it('the prebuilt addon loads on linux-x64', () => {
  if (process.platform === 'linux' && process.arch === 'x64') expect(error).toBe('');
  else expect(error).toMatch(/ships linux-x64 only/);
});

describe('kernel sources', () => {
  it('src/kernels/sources.generated.ts is generated from src/kernels/cuda (pnpm gen:sources)', () => {
    const dir = fileURLToPath(new URL('../src/kernels/cuda', import.meta.url));
    const file = fileURLToPath(new URL('../src/kernels/sources.generated.ts', import.meta.url));
    const fresh = buildSources(dir);
    expect(fresh.hash).toBe(KERNEL_SOURCES_HASH);
    expect(readFileSync(file, 'utf8')).toBe(renderSourcesModule(fresh));
  });

  it("the addon's prebuilt PTX was built from these sources (pnpm build:native), one module each", () => {
    const fb = addon!.fallbackPtx();
    expect(fb.hash, 'rebuild the addon: pnpm --filter @rnn/backend-cuda build:native').toBe(
      KERNEL_SOURCES_HASH,
    );
    expect(fb.arch).toBe('compute_75');
    expect(Object.keys(fb.modules).sort()).toEqual(Object.keys(KERNEL_SOURCES).sort());
  });
});

/** `.entry` parameter lists of a PTX module, by kernel name. */
function ptxEntries(ptx: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of ptx.matchAll(/\.entry\s+(\w+)\s*\(([^)]*)\)/g)) {
    out.set(
      m[1],
      m[2]
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    );
  }
  return out;
}

/** The PTX declaration each parameter kind compiles to. */
function ptxParam(kind: ParamKind): RegExp {
  switch (kind) {
    case 'ptr':
    case 'i64':
      return /^\.param \.u64 \w+$/;
    case 'i32':
    case 'u32':
      return /^\.param \.u32 \w+$/;
    case 'f64':
      return /^\.param \.f64 \w+$/;
    case 'dims':
      return new RegExp(`^\\.param \\.align 4 \\.b8 \\w+\\[${DIMS_BYTES}\\]$`);
  }
}

describe('kernel signatures', () => {
  const specs = declaredKernels();

  it('every kernel is declared once', () => {
    const names = specs.map((s) => s.name);
    expect(names.length).toBeGreaterThan(120);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every launched kernel exists in its module with the parameter list the host packs', () => {
    const fb = addon!.fallbackPtx();
    const entries = new Map<string, Map<string, string[]>>();
    for (const [name, ptx] of Object.entries(fb.modules)) entries.set(name, ptxEntries(ptx));
    const bad: string[] = [];
    for (const s of specs) {
      const params = entries.get(s.module)?.get(s.name);
      if (!params) {
        bad.push(`${s.module}/${s.name}: not in the PTX`);
        continue;
      }
      if (params.length !== s.params.length) {
        bad.push(`${s.name}: ${params.length} parameters in the PTX, ${s.params.length} declared`);
        continue;
      }
      s.params.forEach((k, i) => {
        if (!ptxParam(k).test(params[i]))
          bad.push(`${s.name} parameter ${i}: declared ${k}, PTX has "${params[i]}"`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('every kernel in the PTX is launched by the host (no dead kernels)', () => {
    const declared = new Set(specs.map((s) => s.name));
    const unused: string[] = [];
    for (const ptx of Object.values(addon!.fallbackPtx().modules))
      for (const name of ptxEntries(ptx).keys()) if (!declared.has(name)) unused.push(name);
    expect(unused).toEqual([]);
  });
});

describe('argument packing', () => {
  it('lays parameters out as a C parameter list (natural alignment)', () => {
    const spec: KernelSpec = {
      module: 'm',
      name: 'k',
      params: ['i32', 'ptr', 'u32', 'f64', 'dims', 'i32', 'i64'],
    };
    const p = new ArgPacker(1024);
    const bytes = p.pack(spec, [
      -5,
      2 ** 40 + 17,
      0xfffffffe,
      0.5,
      {
        shape: [2, 3],
        strides: [
          [3, 1],
          [0, 1],
        ],
      },
      7,
      2 ** 33,
    ]);
    // i32 @0, ptr @8, u32 @16, f64 @24, dims @32 (168 bytes) → 200, i32 @200, i64 @208
    expect(bytes).toBe(216);
    expect(paramBytes(spec.params)).toBe(216);
    const v = new DataView(p.buffer);
    expect(v.getInt32(0, true)).toBe(-5);
    expect(v.getUint32(8, true) + v.getUint32(12, true) * 2 ** 32).toBe(2 ** 40 + 17);
    expect(v.getUint32(16, true)).toBe(0xfffffffe);
    expect(v.getFloat64(24, true)).toBe(0.5);
    const dims = new Int32Array(p.buffer, 32, 42);
    expect([...dims.slice(0, 8)]).toEqual([2, 3, 1, 1, 1, 1, 1, 1]); // shape, padded with 1s
    expect([...dims.slice(8, 16)]).toEqual([3, 1, 0, 0, 0, 0, 0, 0]); // operand 0's strides
    expect([...dims.slice(16, 24)]).toEqual([0, 1, 0, 0, 0, 0, 0, 0]); // operand 1's
    expect(dims[40]).toBe(2); // rank
    expect(dims[41]).toBe(6); // elements
    expect(v.getInt32(200, true)).toBe(7);
    expect(v.getUint32(208, true) + v.getUint32(212, true) * 2 ** 32).toBe(2 ** 33);
  });

  it('rejects a wrong argument count, negative pointers and too many dimensions', () => {
    const p = new ArgPacker();
    const k: KernelSpec = { module: 'm', name: 'k', params: ['ptr', 'dims'] };
    expect(() => p.pack(k, [0])).toThrow(/takes 2 arguments, 1 were given/);
    expect(() => p.pack(k, [-8, { shape: [1], strides: [[1]] }])).toThrow(/not a non-negative integer/);
    expect(() => p.pack(k, [0, { shape: new Array(9).fill(2), strides: [new Array(9).fill(1)] }])).toThrow(
      /at most 8/,
    );
  });
});

/** cuBLAS's column-major strided-batched GEMM, as documented, over a flat array. */
function cublasGemm(mem: Float64Array, c: ReturnType<typeof toColumnMajor>, g: GemmCall): void {
  for (let t = 0; t < g.batch; t++) {
    for (let j = 0; j < c.n; j++) {
      for (let i = 0; i < c.m; i++) {
        let s = 0;
        for (let p = 0; p < c.k; p++) {
          const a = c.transa
            ? mem[c.a + t * c.strideA + i * c.lda + p]
            : mem[c.a + t * c.strideA + p * c.lda + i];
          const b = c.transb
            ? mem[c.b + t * c.strideB + p * c.ldb + j]
            : mem[c.b + t * c.strideB + j * c.ldb + p];
          s += a * b;
        }
        const at = g.c + t * g.strideC + j * c.ldc + i;
        mem[at] = g.alpha * s + g.beta * mem[at];
      }
    }
  }
}

describe('row-major GEMM through cuBLAS (column-major)', () => {
  it('Cᵀ = op(B)ᵀ·op(A)ᵀ gives the row-major product for every transpose, padding and batch stride', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (const [m, n, k, batch] of [
      [3, 4, 5, 1],
      [1, 7, 2, 3],
      [6, 1, 4, 2],
    ]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const beta of [0, 1]) {
            const lda = (transA ? m : k) + 2;
            const ldb = (transB ? k : n) + 1;
            const ldc = n + 3;
            const aRows = transA ? k : m;
            const bRows = transB ? n : k;
            const strideA = batch > 1 ? aRows * lda : 0;
            const strideB = batch > 1 ? bRows * ldb : 0;
            const strideC = m * ldc;
            const A = 0;
            const B = A + Math.max(1, batch) * aRows * lda + 5;
            const C = B + Math.max(1, batch) * bRows * ldb + 5;
            const mem = Float64Array.from({ length: C + batch * strideC + 5 }, rnd);
            const g: GemmCall = {
              dtype: 'float64',
              transA,
              transB,
              m,
              n,
              k,
              alpha: 1.5,
              a: A,
              lda,
              strideA,
              b: B,
              ldb,
              strideB,
              beta,
              c: C,
              ldc,
              strideC,
              batch,
            };
            const want = Float64Array.from(mem);
            for (let t = 0; t < batch; t++) {
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let s = 0;
                  for (let p = 0; p < k; p++) {
                    const a = transA
                      ? mem[A + t * strideA + p * lda + i]
                      : mem[A + t * strideA + i * lda + p];
                    const b = transB
                      ? mem[B + t * strideB + j * ldb + p]
                      : mem[B + t * strideB + p * ldb + j];
                    s += a * b;
                  }
                  const at = C + t * strideC + i * ldc + j;
                  want[at] = 1.5 * s + beta * mem[at];
                }
              }
            }
            cublasGemm(mem, toColumnMajor(g), g);
            for (let i = 0; i < mem.length; i++) expect(mem[i]).toBeCloseTo(want[i], 12);
          }
        }
      }
    }
  });
});

describe('rnnLayer bookkeeping', () => {
  it('previous rows of a packed batch (sizes 3, 2, 2, 1), forward and reverse', () => {
    // rows: t0: 0 1 2 | t1: 3 4 | t2: 5 6 | t3: 7
    expect([...previousRows([3, 2, 2, 1], false)]).toEqual([-1, -2, -3, 0, 1, 3, 4, 5]);
    // reverse: a row starts from the same sequence one step later, or from h0 where it ends
    expect([...previousRows([3, 2, 2, 1], true)]).toEqual([3, 4, -3, 5, 6, 7, -2, -1]);
    expect([...previousRows([], false)]).toEqual([]);
  });
});
