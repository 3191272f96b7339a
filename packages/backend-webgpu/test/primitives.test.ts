/**
 * Every primitive of the backend contract on WebGPU against the CPU backend, with the inputs that reach
 * each kernel variant: the thread-per-output and workgroup-per-output reductions and softmaxes, matmul
 * tiles with ragged edges and all transposes, broadcasts that do not collapse, negative strides, and
 * index lists with repeats. (The shared conformance suite checks the semantics at small sizes.)
 */
import type { BinaryOp, CompareOp, DType, UnaryOp } from '@rnn/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index';
import { cpu, expectSame, pair, randomPair, rng } from './compare';
import { webgpu } from './gpu';

let g: WebGPUBackend;
beforeAll(async () => {
  g = await webgpu();
});

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e-7,
  -1e-7,
  3,
  20,
  -20,
  88,
  -88,
  100,
  -100,
  Infinity,
  -Infinity,
  Number.NaN,
];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('fill and storage', () => {
  it('round-trips every dtype and fills with any value', async () => {
    for (const [dtype, value] of [
      ['float32', -1.25],
      ['float32', Number.NaN],
      ['int32', -7],
      ['bool', 1],
    ] as [DType, number][]) {
      await expectSame(
        g,
        { gpu: g.fill([3, 5], dtype, value), cpu: cpu.fill([3, 5], dtype, value) },
        dtype,
        15,
      );
    }
    const b = pair(g, [1, 0, 1, 1, 0], [5], 'bool');
    await expectSame(g, { gpu: b.gpu.storage, cpu: b.cpu.storage }, 'bool', 5);
    expect(Array.from(await g.read(g.fill([0], 'float32', 1), 'float32', 0))).toEqual([]);
  });
});

describe('elementwise', () => {
  it('unary float32 ops match on ordinary and special values', async () => {
    const r = rng(1);
    const values = [...SPECIAL, ...Array.from({ length: 300 }, () => (r() - 0.5) * 30)];
    const x = pair(g, values, [values.length]);
    const ops: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'sign'];
    for (const op of ops) {
      await expectSame(g, { gpu: g.unary(op, x.gpu), cpu: cpu.unary(op, x.cpu) }, 'float32', values.length);
    }
    // log near 1 and tiny arguments of exp: where builtin WGSL functions are least accurate
    const near = Array.from({ length: 200 }, (_, i) => 1 + (i - 100) * 2 ** -20);
    const y = pair(g, near, [near.length]);
    await expectSame(g, { gpu: g.unary('log', y.gpu), cpu: cpu.unary('log', y.cpu) }, 'float32', near.length);
  });

  it('unary int32 and bool ops are exact', async () => {
    const x = pair(g, [0, 1, -1, 7, -7, 2147483647, -2147483647], [7], 'int32');
    for (const op of ['neg', 'abs', 'relu', 'sign'] as UnaryOp[]) {
      await expectSame(g, { gpu: g.unary(op, x.gpu), cpu: cpu.unary(op, x.cpu) }, 'int32', 7);
    }
    const b = pair(g, [0, 1, 1, 0], [4], 'bool');
    await expectSame(g, { gpu: g.unary('not', b.gpu), cpu: cpu.unary('not', b.cpu) }, 'bool', 4);
  });

  const SHAPES: [number[], number[], number[]][] = [
    [[300], [300], [300]],
    [[4, 5], [], [4, 5]],
    [
      [2, 1, 5],
      [3, 1],
      [2, 3, 5],
    ],
    [
      [6, 1, 4, 1],
      [1, 5, 1, 3],
      [6, 5, 4, 3],
    ],
  ];

  it('binary ops broadcast like the CPU backend, for every dtype', async () => {
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
    for (const dtype of ['float32', 'int32'] as DType[]) {
      for (const [as, bs, os] of SHAPES) {
        const a = randomPair(g, as, 2, dtype, dtype === 'int32' ? -4 : 0.1, 3);
        const b = randomPair(g, bs, 3, dtype, dtype === 'int32' ? 1 : -2, 4);
        for (const op of ops) {
          if (dtype === 'int32' && op === 'div') continue; // the front end divides in float
          await expectSame(
            g,
            { gpu: g.binary(op, a.gpu, b.gpu, os), cpu: cpu.binary(op, a.cpu, b.cpu, os) },
            dtype,
            size(os),
          );
        }
      }
    }
    // logical and/or are minimum/maximum on bool
    const p = pair(g, [0, 1, 0, 1], [4], 'bool');
    const q = pair(g, [0, 0, 1, 1], [4], 'bool');
    for (const op of ['maximum', 'minimum'] as BinaryOp[]) {
      await expectSame(
        g,
        { gpu: g.binary(op, p.gpu, q.gpu, [4]), cpu: cpu.binary(op, p.cpu, q.cpu, [4]) },
        'bool',
        4,
      );
    }
  });

  it('pow handles negative bases, integer exponents and special values as JavaScript does', async () => {
    const bases = [-2, -1.5, -1, -0.5, 0, -0, 0.5, 2, Infinity, -Infinity, Number.NaN];
    const exps = [-3, -2, -1, 0, 1, 2, 3, 0.5, -0.5, 2.5, 70];
    const a = pair(g, bases, [bases.length, 1]);
    const b = pair(g, exps, [1, exps.length]);
    const os = [bases.length, exps.length];
    await expectSame(
      g,
      { gpu: g.binary('pow', a.gpu, b.gpu, os), cpu: cpu.binary('pow', a.cpu, b.cpu, os) },
      'float32',
      size(os),
    );
    const x = pair(g, SPECIAL, [SPECIAL.length, 1]);
    const y = pair(g, SPECIAL, [1, SPECIAL.length]);
    const s2 = [SPECIAL.length, SPECIAL.length];
    for (const op of ['maximum', 'minimum', 'div', 'add'] as BinaryOp[]) {
      await expectSame(
        g,
        { gpu: g.binary(op, x.gpu, y.gpu, s2), cpu: cpu.binary(op, x.cpu, y.cpu, s2) },
        'float32',
        size(s2),
      );
    }
  });

  it('compare and where broadcast, NaN compares unequal', async () => {
    const x = pair(g, SPECIAL, [SPECIAL.length, 1]);
    const y = pair(g, SPECIAL, [1, SPECIAL.length]);
    const os = [SPECIAL.length, SPECIAL.length];
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as CompareOp[]) {
      await expectSame(
        g,
        { gpu: g.compare(op, x.gpu, y.gpu, os), cpu: cpu.compare(op, x.cpu, y.cpu, os) },
        'bool',
        size(os),
      );
    }
    const i = randomPair(g, [3, 4], 4, 'int32', -2, 2);
    const j = randomPair(g, [4], 5, 'int32', -2, 2);
    await expectSame(
      g,
      { gpu: g.compare('le', i.gpu, j.gpu, [3, 4]), cpu: cpu.compare('le', i.cpu, j.cpu, [3, 4]) },
      'bool',
      12,
    );
    const c = randomPair(g, [2, 1, 4], 6, 'bool', 0, 2);
    const a = randomPair(g, [3, 1], 7);
    const b = randomPair(g, [], 8);
    await expectSame(
      g,
      { gpu: g.where(c.gpu, a.gpu, b.gpu, [2, 3, 4]), cpu: cpu.where(c.cpu, a.cpu, b.cpu, [2, 3, 4]) },
      'float32',
      24,
    );
  });

  it('clamp and cast', async () => {
    const x = pair(g, SPECIAL, [SPECIAL.length]);
    await expectSame(
      g,
      { gpu: g.clamp(x.gpu, -1, 2), cpu: cpu.clamp(x.cpu, -1, 2) },
      'float32',
      SPECIAL.length,
    );
    await expectSame(
      g,
      { gpu: g.clamp(x.gpu, -Infinity, 0.25), cpu: cpu.clamp(x.cpu, -Infinity, 0.25) },
      'float32',
      SPECIAL.length,
    );
    const k = pair(g, [-5, -1, 0, 1, 2, 3, 9], [7], 'int32');
    for (const [lo, hi] of [
      [-1.5, 2.5],
      [0.5, Infinity],
      [-Infinity, 1],
    ]) {
      await expectSame(g, { gpu: g.clamp(k.gpu, lo, hi), cpu: cpu.clamp(k.cpu, lo, hi) }, 'int32', 7);
    }
    const values = [0, -0, 0.4, -0.6, 2.9, -2.9, 1e9, -1e9, 16777217, Number.NaN, Infinity];
    const f = pair(g, values, [values.length]);
    for (const to of ['int32', 'bool'] as DType[]) {
      await expectSame(g, { gpu: g.cast(f.gpu, to), cpu: cpu.cast(f.cpu, to) }, to, values.length);
    }
    const n = pair(g, [0, 5, -3, 2147483647], [4], 'int32');
    for (const to of ['float32', 'bool'] as DType[]) {
      await expectSame(g, { gpu: g.cast(n.gpu, to), cpu: cpu.cast(n.cpu, to) }, to, 4);
    }
    const b = pair(g, [0, 1, 1], [3], 'bool');
    for (const to of ['float32', 'int32'] as DType[]) {
      await expectSame(g, { gpu: g.cast(b.gpu, to), cpu: cpu.cast(b.cpu, to) }, to, 3);
    }
  });
});

describe('reductions', () => {
  // [shape, axes]: thread path, workgroup path (inner 1 and inner > 1), scattered axes, everything
  const CASES: [number[], number[]][] = [
    [[7, 9], [1]],
    [[300, 5], [0]],
    [[3, 700], [1]],
    [[2000, 3], [0]],
    [
      [4, 5, 6],
      [0, 2],
    ],
    [[5000], [0]],
    [
      [3, 4, 5],
      [0, 1, 2],
    ],
    [[6, 0], [1]],
  ];

  it('sum, max and min over axes match (float32 sums compensated, int32 exact)', async () => {
    for (const [shape, axes] of CASES) {
      const outSize = size(shape.filter((_, i) => !axes.includes(i)));
      for (const dtype of ['float32', 'int32'] as DType[]) {
        const x = randomPair(g, shape, 11, dtype, -50, 50);
        for (const op of ['sum', 'max', 'min'] as const) {
          if (op !== 'sum' && size(shape) === 0) continue;
          await expectSame(
            g,
            { gpu: g.reduce(op, x.gpu, axes), cpu: cpu.reduce(op, x.cpu, axes) },
            dtype,
            outSize,
            {
              rtol: 1e-5,
            },
          );
        }
      }
    }
  });

  it('max and min propagate NaN; argmax/argmin pick the first extreme (or the first NaN)', async () => {
    const values = [1, 5, 5, Number.NaN, -2, 5, Number.NaN, -2];
    const x = pair(g, values, [2, 4]);
    for (const op of ['max', 'min'] as const) {
      await expectSame(g, { gpu: g.reduce(op, x.gpu, [1]), cpu: cpu.reduce(op, x.cpu, [1]) }, 'float32', 2);
    }
    for (const op of ['argmax', 'argmin'] as const) {
      await expectSame(g, { gpu: g.argReduce(op, x.gpu, 1), cpu: cpu.argReduce(op, x.cpu, 1) }, 'int32', 2);
      await expectSame(g, { gpu: g.argReduce(op, x.gpu, 0), cpu: cpu.argReduce(op, x.cpu, 0) }, 'int32', 4);
    }
    // long rows (workgroup path) with ties: the lowest index wins
    const r = rng(5);
    const long = Array.from({ length: 3000 }, () => Math.floor(r() * 20));
    const y = pair(g, long, [3, 1000]);
    for (const op of ['argmax', 'argmin'] as const) {
      await expectSame(g, { gpu: g.argReduce(op, y.gpu, 1), cpu: cpu.argReduce(op, y.cpu, 1) }, 'int32', 3);
      await expectSame(
        g,
        { gpu: g.argReduce(op, y.gpu, 0), cpu: cpu.argReduce(op, y.cpu, 0) },
        'int32',
        1000,
      );
    }
    long[1234] = Number.NaN;
    const z = pair(g, long, [3000]);
    await expectSame(
      g,
      { gpu: g.argReduce('argmax', z.gpu, 0), cpu: cpu.argReduce('argmax', z.cpu, 0) },
      'int32',
      1,
    );
  });
});

describe.each(['tiled', 'simple'] as const)('matmul (%s kernel)', (kernel) => {
  it('matches for ragged tiles, every transpose and batch broadcasting', async () => {
    g.context.options.matmulKernel = kernel;
    const cases: [number, number, number, number, number][] = [
      // [Ba, Bb, m, k, n]
      [1, 1, 1, 1, 1],
      [1, 1, 65, 33, 70],
      [3, 3, 17, 64, 5],
      [4, 1, 20, 9, 31],
      [1, 2, 7, 130, 64],
    ];
    for (const [ba, bb, m, k, n] of cases) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomPair(g, transA ? [ba, k, m] : [ba, m, k], m * 7 + k, 'float32', -1, 1);
          const b = randomPair(g, transB ? [bb, n, k] : [bb, k, n], n * 13 + k, 'float32', -1, 1);
          const outSize = Math.max(ba, bb) * m * n;
          await expectSame(
            g,
            { gpu: g.matmul(a.gpu, b.gpu, transA, transB), cpu: cpu.matmul(a.cpu, b.cpu, transA, transB) },
            'float32',
            outSize,
            { rtol: 1e-5, atol: 2e-6 * Math.sqrt(k) },
          );
        }
      }
    }
    const a = randomPair(g, [2, 5, 6], 1, 'int32', -9, 9);
    const b = randomPair(g, [1, 6, 3], 2, 'int32', -9, 9);
    await expectSame(
      g,
      { gpu: g.matmul(a.gpu, b.gpu, false, false), cpu: cpu.matmul(a.cpu, b.cpu, false, false) },
      'int32',
      30,
    );
    g.context.options.matmulKernel = 'auto';
  });
});

describe('layout', () => {
  it('strided copies: permute, expand, slice with step and offset, flip', async () => {
    const x = randomPair(g, [2, 3, 4], 21);
    const cases: [number[], number[], number][] = [
      [[4, 2, 3], [1, 12, 4], 0], // permute
      [[5, 2, 3, 4], [0, 12, 4, 1], 0], // expand
      [[2, 2, 2], [12, 8, 2], 1], // slice with step and offset
      [[2, 3, 4], [-12, 4, -1], 15], // flip of two axes
    ];
    for (const [shape, strides, offset] of cases) {
      await expectSame(
        g,
        { gpu: g.strided(x.gpu, shape, strides, offset), cpu: cpu.strided(x.cpu, shape, strides, offset) },
        'float32',
        size(shape),
      );
    }
    const b = randomPair(g, [3, 4], 22, 'bool', 0, 2);
    await expectSame(
      g,
      { gpu: g.strided(b.gpu, [4, 3], [1, 4], 0), cpu: cpu.strided(b.cpu, [4, 3], [1, 4], 0) },
      'bool',
      12,
    );
  });

  it('concat along any axis, with many and with empty inputs', async () => {
    const parts = [randomPair(g, [2, 3, 4], 1), randomPair(g, [2, 0, 4], 2), randomPair(g, [2, 5, 4], 3)];
    await expectSame(
      g,
      {
        gpu: g.concat(
          parts.map((p) => p.gpu),
          1,
        ),
        cpu: cpu.concat(
          parts.map((p) => p.cpu),
          1,
        ),
      },
      'float32',
      64,
    );
    const many = Array.from({ length: 20 }, (_, i) => randomPair(g, [1, 3], 100 + i, 'int32', 0, 50));
    await expectSame(
      g,
      {
        gpu: g.concat(
          many.map((p) => p.gpu),
          0,
        ),
        cpu: cpu.concat(
          many.map((p) => p.cpu),
          0,
        ),
      },
      'int32',
      60,
    );
  });
});

describe('indexing', () => {
  it('indexSelect and indexAdd (repeated indices, wide rows split over threads)', async () => {
    for (const [shape, axis] of [
      [[10, 6], 0],
      [[3, 10, 70], 1],
      [[4, 10], 1],
    ] as [number[], number][]) {
      const x = randomPair(g, shape, 31);
      const index = pair(g, [3, 0, 3, 9, 3, 1, 0], [7], 'int32');
      const outShape = [...shape];
      outShape[axis] = 7;
      await expectSame(
        g,
        { gpu: g.indexSelect(x.gpu, axis, index.gpu), cpu: cpu.indexSelect(x.cpu, axis, index.cpu) },
        'float32',
        size(outShape),
      );
      const src = randomPair(g, outShape, 32);
      await expectSame(
        g,
        {
          gpu: g.indexAdd(shape, axis, index.gpu, src.gpu),
          cpu: cpu.indexAdd(shape, axis, index.cpu, src.cpu),
        },
        'float32',
        size(shape),
        { rtol: 0, atol: 0 },
      );
    }
  });

  it('gather and scatterAdd (index smaller than the input, repeats)', async () => {
    const x = randomPair(g, [4, 5, 3], 41);
    const index = randomPair(g, [3, 6, 2], 42, 'int32', 0, 5);
    await expectSame(
      g,
      { gpu: g.gather(x.gpu, 1, index.gpu), cpu: cpu.gather(x.cpu, 1, index.cpu) },
      'float32',
      36,
    );
    const src = randomPair(g, [3, 6, 2], 43);
    await expectSame(
      g,
      {
        gpu: g.scatterAdd([4, 5, 3], 1, index.gpu, src.gpu),
        cpu: cpu.scatterAdd([4, 5, 3], 1, index.cpu, src.cpu),
      },
      'float32',
      60,
      { rtol: 0, atol: 0 },
    );
    const t = randomPair(g, [6, 1], 44, 'int32', 0, 4);
    const s = randomPair(g, [6, 1], 45);
    await expectSame(
      g,
      { gpu: g.scatterAdd([6, 4], 1, t.gpu, s.gpu), cpu: cpu.scatterAdd([6, 4], 1, t.cpu, s.cpu) },
      'float32',
      24,
    );
    await expectSame(
      g,
      {
        gpu: g.gather(x.gpu, 0, randomPair(g, [2, 5, 3], 46, 'int32', 0, 4).gpu),
        cpu: cpu.gather(x.cpu, 0, randomPair(g, [2, 5, 3], 46, 'int32', 0, 4).cpu),
      },
      'float32',
      30,
    );
  });
});

describe('softmax', () => {
  it('softmax and log-softmax along any axis, short and long rows', async () => {
    for (const [shape, axis] of [
      [[4, 10], 1],
      [[3, 700], 1],
      [[5, 6, 7], 1],
      [[9, 4], 0],
    ] as [number[], number][]) {
      const x = randomPair(g, shape, 51, 'float32', -20, 20);
      for (const log of [false, true]) {
        await expectSame(
          g,
          { gpu: g.softmax(x.gpu, axis, log), cpu: cpu.softmax(x.cpu, axis, log) },
          'float32',
          size(shape),
          {
            rtol: 1e-5,
          },
        );
      }
    }
    const inf = pair(g, [-Infinity, -Infinity, -Infinity, 1, 2, Number.NaN], [2, 3]);
    for (const log of [false, true]) {
      await expectSame(
        g,
        { gpu: g.softmax(inf.gpu, 1, log), cpu: cpu.softmax(inf.cpu, 1, log) },
        'float32',
        6,
      );
    }
  });
});

describe('random', () => {
  it('uniform numbers are bit-identical to the CPU backend, across the 2^32 counter carry', async () => {
    for (const [key, counter, n] of [
      [[0, 0], 0, 1001],
      [[123, 456], 2 ** 32 - 3, 64],
      [[0xffffffff, 7], 2 ** 45 + 11, 30],
    ] as [[number, number], number, number][]) {
      const got = await g.read(g.random('uniform', [n], 'float32', key, counter), 'float32', n);
      const want = cpu.readSync!(cpu.random('uniform', [n], 'float32', key, counter), 'float32', n);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('normal numbers agree with the CPU backend to float32 rounding (rtol 1e-6, atol 1e-6)', async () => {
    const n = 4099;
    await expectSame(
      g,
      {
        gpu: g.random('normal', [n], 'float32', [9, 8], 77),
        cpu: cpu.random('normal', [n], 'float32', [9, 8], 77),
      },
      'float32',
      n,
      { rtol: 1e-6, atol: 1e-6 },
    );
  });
});
