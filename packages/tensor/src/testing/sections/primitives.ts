import { describe, expect } from 'vitest';
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from '../../backend/backend';
import { allocArray, bytesPerElement, type DType, dtypeOfArray } from '../../dtype';
import { philox4x32, wordToUniform } from '../../random/philox';
import type { SuiteContext } from '../context';
import { expectClose, expectIdentical } from '../expect-close';
import { HostRng, numel, roundTo } from '../host';
import {
  argReduceRef,
  binaryRef,
  broadcastMap,
  castRef,
  compareRef,
  concatRef,
  gatherRef,
  indexAddRef,
  indexSelectRef,
  matmulRef,
  reduceRef,
  scatterAddRef,
  softmaxRef,
  store,
  stridedRef,
  unaryRef,
} from '../reference';
import { toleranceFor, unitRoundoff } from '../tolerance';
import { type KernelIO, withKernels } from './kernel-io';

const FLOATS: readonly DType[] = ['float32', 'float64'];
const ALL: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/** NumPy broadcasting of two shapes (the reference's own, independent of the library's). */
function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) if (s[i] !== 1) out[rank - s.length + i] = s[i];
  }
  return out;
}

/** Shape pairs every binary and compare primitive is checked on: equal, scalar, trailing, middle and two-sided broadcasts. */
const BROADCASTS: readonly [number[], number[]][] = [
  // long enough for vectorised or native paths: one row broadcast over many (a bias), either side
  [[40, 60], [60]],
  [[60], [40, 60]],
  [
    [4, 8, 40],
    [1, 8, 40],
  ],
  [[1, 1300], [1300]],
  [[1300], [1300]],
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], []],
  [[], [2, 3]],
  [[2, 3], [3]],
  [[2, 3], [1]],
  [
    [2, 3, 4],
    [2, 1, 4],
  ],
  [
    [3, 1],
    [1, 4],
  ],
  [[4], [2, 3, 4]],
  [
    [2, 1, 3],
    [4, 1],
  ],
];

/** Host data that keeps each binary op in its well-defined range. */
function binaryData(op: BinaryOp, dtype: DType, side: 'a' | 'b', r: HostRng, n: number): number[] {
  if (dtype === 'bool') return r.ints(n, 0, 2);
  if (dtype === 'int32') {
    if (op === 'pow') return side === 'a' ? r.ints(n, -3, 4) : r.ints(n, 0, 4);
    return r.ints(n, -6, 7);
  }
  if (op === 'div' && side === 'b') return r.awayFromZero(n, 0.25, 2);
  if (op === 'pow') return side === 'a' ? r.uniform(n, 0.25, 2) : r.uniform(n, -2, 2);
  return r.uniform(n, -2, 2);
}

/** Registers the checks of every primitive of the Backend contract, called directly on the backend. */
export function describePrimitives(ctx: SuiteContext): void {
  const tolOf = (d: DType) => toleranceFor(d, ctx.tol);

  describe('primitives (called directly, against a plain-JS reference)', () => {
    // ------------------------------------------------------------------ storage
    const STORED: Record<DType, number[]> = {
      float32: [1.5, -2.25, 0, -0, 3.4e38, 1e-30, Infinity, -Infinity, Number.NaN, 0.1],
      float64: [1.5, -2.25, 0, -0, 1e300, 1e-300, Infinity, -Infinity, Number.NaN, 0.1],
      int32: [0, 1, -1, 2147483647, -2147483648, 123456789, -7],
      bool: [0, 1, 1, 0, 1],
    };
    ctx.itEach('storage: fromArray / read / readSync / release / memory', ALL, async (dtype) => {
      const b = ctx.backend;
      const values = STORED[dtype];
      const host = allocArray(dtype, values.length);
      host.set(values);
      const expected = Array.from(host);
      const m0 = b.memory();
      const s = b.fromArray(host, dtype);
      const m1 = b.memory();
      expect(m1.buffers, 'fromArray adds one live buffer').toBe(m0.buffers + 1);
      expect(m1.bytes - m0.bytes, 'fromArray counts the bytes it holds').toBeGreaterThanOrEqual(
        values.length * bytesPerElement(dtype),
      );
      host.fill(0); // the backend must have copied the data
      try {
        const back = await b.read(s, dtype, values.length);
        expect(dtypeOfArray(back), 'read returns the typed array of the dtype').toBe(dtype);
        expect(Array.from(back)).toEqual(expected);
        back.fill(0); // a read is a copy
        expect(Array.from(await b.read(s, dtype, values.length))).toEqual(expected);
        if (b.readSync) {
          const sync = b.readSync(s, dtype, values.length);
          expect(dtypeOfArray(sync)).toBe(dtype);
          expect(Array.from(sync)).toEqual(expected);
        }
        await b.sync?.();
      } finally {
        const m2 = b.memory();
        b.release(s);
        const m3 = b.memory();
        expect(m3.buffers, 'release frees the buffer').toBe(m2.buffers - 1);
        expect(m3.bytes, 'release gives the bytes back').toBe(m2.bytes - (m1.bytes - m0.bytes));
      }
    });

    // ------------------------------------------------------------------ fill
    const FILLS: Record<DType, [number[], number][]> = {
      float32: [
        [[2, 3], 2.5],
        [[], -1.25],
        [[5], 0],
        [[3], -Infinity],
        [[2, 2], 0.1],
      ],
      float64: [
        [[2, 3], 0.1],
        [[], -1e300],
        [[4], 0],
      ],
      int32: [
        [[2, 3], 7],
        [[], -3],
        [[4], 0],
      ],
      bool: [
        [[2, 3], 1],
        [[4], 0],
        [[], 1],
      ],
    };
    ctx.itEach('fill', ALL, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        for (const [shape, value] of FILLS[dtype]) {
          const out = await k.output(ctx.backend.fill(shape, dtype, value), dtype, numel(shape));
          expect(out, `fill ${shapeStr(shape)} with ${value}`).toEqual(
            new Array(numel(shape)).fill(store(dtype, value)),
          );
        }
      }),
    );

    // ------------------------------------------------------------------ unary
    const FLOAT_UNARY: readonly UnaryOp[] = [
      'neg',
      'exp',
      'log',
      'sqrt',
      'abs',
      'tanh',
      'sigmoid',
      'relu',
      'sign',
    ];
    for (const op of FLOAT_UNARY) {
      ctx.itEach(`unary ${op}`, FLOATS, (dtype) =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`unary ${op}`);
          const raw =
            op === 'log' || op === 'sqrt'
              ? [...r.uniform(14, 0.05, 4), 1]
              : [...r.uniform(12, -3, 3), 0, -20, 20];
          const x = roundTo(dtype, raw);
          const xs = k.input(dtype, [3, 5], x);
          const out = await k.output(ctx.backend.unary(op, xs), dtype, x.length);
          expectClose(
            out,
            x.map((v) => unaryRef(op, v)),
            { ...tolOf(dtype), label: `unary ${op} ${dtype}` },
          );
        }),
      );
    }
    // Long enough for vectorised or native paths, with the values where their approximations switch
    // branches or saturate (finite only: NaN and infinities are not guaranteed on every backend).
    for (const op of FLOAT_UNARY) {
      ctx.itEach(`unary ${op} over 1500 elements, with ±0 and extremes`, FLOATS, (dtype) =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`unary ${op} large`);
          const positive = op === 'log' || op === 'sqrt';
          const special = positive
            ? [1e-30, 1, 0.549, 0.551, 9, 20, 88.5]
            : [0, -0, 1e-30, -1e-30, 0.549, -0.549, 0.551, -0.551, 9, -9, 20, -20, 88.5, -88.5, -104];
          const body = positive ? r.uniform(1500, 0.001, 50) : r.uniform(1500, -12, 12);
          const x = roundTo(dtype, [...body, ...special]);
          const xs = k.input(dtype, [x.length], x);
          const out = await k.output(ctx.backend.unary(op, xs), dtype, x.length);
          expectClose(
            out,
            x.map((v) => store(dtype, unaryRef(op, v))),
            { ...tolOf(dtype), label: `unary ${op} ${dtype} (long)` },
          );
        }),
      );
    }
    ctx.itIn('unary neg / abs / relu / sign', 'int32', () =>
      withKernels(ctx.backend, async (k) => {
        const x = [...HostRng.fromName('unary int').ints(11, -5, 6), 0];
        const xs = k.input('int32', [3, 4], x);
        for (const op of ['neg', 'abs', 'relu', 'sign'] as const) {
          const out = await k.output(ctx.backend.unary(op, xs), 'int32', x.length);
          expect(out, `unary ${op} int32`).toEqual(x.map((v) => store('int32', unaryRef(op, v))));
        }
      }),
    );
    ctx.itIn('unary not', 'bool', () =>
      withKernels(ctx.backend, async (k) => {
        const x = [1, 0, 0, 1, 1, 0];
        const out = await k.output(ctx.backend.unary('not', k.input('bool', [2, 3], x)), 'bool', 6);
        expect(out).toEqual([0, 1, 1, 0, 0, 1]);
      }),
    );

    // ------------------------------------------------------------------ binary
    const BINARY_BY_DTYPE: Record<DType, readonly BinaryOp[]> = {
      float32: ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'],
      float64: ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'],
      // the front end promotes int32 division to float; bool arithmetic to int32 (bool min/max are logical and/or)
      int32: ['add', 'sub', 'mul', 'pow', 'maximum', 'minimum'],
      bool: ['maximum', 'minimum'],
    };
    for (const dtype of ALL) {
      for (const op of BINARY_BY_DTYPE[dtype]) {
        ctx.itIn(`binary ${op} with broadcasting`, dtype, () =>
          withKernels(ctx.backend, async (k) => {
            const r = HostRng.fromName(`binary ${op} ${dtype}`);
            for (const [sa, sb] of BROADCASTS) {
              const outShape = broadcastShape(sa, sb);
              const a = roundTo(dtype, binaryData(op, dtype, 'a', r, numel(sa)));
              const b = roundTo(dtype, binaryData(op, dtype, 'b', r, numel(sb)));
              const spec = ctx.backend.binary(op, k.input(dtype, sa, a), k.input(dtype, sb, b), outShape);
              const out = await k.output(spec, dtype, numel(outShape));
              const ref = broadcastMap(
                outShape,
                [
                  { data: a, shape: sa },
                  { data: b, shape: sb },
                ],
                (x, y) => store(dtype === 'float32' ? 'float64' : dtype, binaryRef(op, x, y)),
              );
              expectClose(out, ref, {
                ...tolOf(dtype),
                label: `binary ${op} ${shapeStr(sa)} ${shapeStr(sb)} ${dtype}`,
              });
            }
          }),
        );
      }
    }
    ctx.itEach('binary pow with a negative base and integer exponents', FLOATS, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        const r = HostRng.fromName('pow negative base');
        const a = roundTo(dtype, r.awayFromZero(8, 0.5, 2));
        for (const [sb, b] of [
          [[2, 4], r.ints(8, 0, 4)],
          [[], [2]],
          [[], [3]],
        ] as [number[], number[]][]) {
          const out = await k.output(
            ctx.backend.binary('pow', k.input(dtype, [2, 4], a), k.input(dtype, sb, b), [2, 4]),
            dtype,
            8,
          );
          const ref = a.map((x, i) => x ** b[sb.length === 0 ? 0 : i]);
          expectClose(out, ref, {
            ...tolOf(dtype),
            label: `pow(negative, ${shapeStr(sb)} integer exponent)`,
          });
        }
      }),
    );

    // ------------------------------------------------------------------ compare, where, clamp
    const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
    for (const dtype of ALL) {
      ctx.itIn('compare (all ops, with ties and broadcasting)', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`compare ${dtype}`);
          const gen = (n: number) =>
            dtype === 'bool'
              ? r.ints(n, 0, 2)
              : dtype === 'int32'
                ? r.ints(n, -2, 3)
                : r.ints(n, -2, 3).map((v) => v / 2);
          for (const [sa, sb] of BROADCASTS) {
            const outShape = broadcastShape(sa, sb);
            const a = gen(numel(sa));
            const b = gen(numel(sb));
            const as = k.input(dtype, sa, a);
            const bs = k.input(dtype, sb, b);
            for (const op of COMPARE_OPS) {
              const out = await k.output(ctx.backend.compare(op, as, bs, outShape), 'bool', numel(outShape));
              const ref = broadcastMap(
                outShape,
                [
                  { data: a, shape: sa },
                  { data: b, shape: sb },
                ],
                (x, y) => compareRef(op, x, y),
              );
              expect(out, `compare ${op} ${shapeStr(sa)} ${shapeStr(sb)} ${dtype}`).toEqual(ref);
            }
          }
        }),
      );
    }

    const WHERE_SHAPES: readonly [number[], number[], number[]][] = [
      [
        [2, 3],
        [2, 3],
        [2, 3],
      ],
      [[2, 1, 3], [2, 4, 3], [3]],
      [[3], [2, 3], []],
      [[2, 3], [], []],
      [[1], [2, 1], [1, 3]],
    ];
    for (const dtype of ALL) {
      ctx.itIn('where with broadcasting', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`where ${dtype}`);
          const gen = (n: number) =>
            dtype === 'bool'
              ? r.ints(n, 0, 2)
              : dtype === 'int32'
                ? r.ints(n, -9, 10)
                : roundTo(dtype, r.uniform(n, -2, 2));
          for (const [sc, sa, sb] of WHERE_SHAPES) {
            const outShape = broadcastShape(sc, sa, sb);
            const c = r.ints(numel(sc), 0, 2);
            const a = gen(numel(sa));
            const b = gen(numel(sb));
            const spec = ctx.backend.where(
              k.input('bool', sc, c),
              k.input(dtype, sa, a),
              k.input(dtype, sb, b),
              outShape,
            );
            const out = await k.output(spec, dtype, numel(outShape));
            const ref = broadcastMap(
              outShape,
              [
                { data: c, shape: sc },
                { data: a, shape: sa },
                { data: b, shape: sb },
              ],
              (cv, x, y) => (cv ? x : y),
            );
            expect(out, `where ${shapeStr(sc)} ${shapeStr(sa)} ${shapeStr(sb)} ${dtype}`).toEqual(ref);
          }
        }),
      );
    }

    const CLAMPS: Record<'float' | 'int32', [number, number][]> = {
      float: [
        [-0.5, 0.7],
        [-Infinity, 0.3],
        [-0.2, Infinity],
        [-Infinity, Infinity],
        [0.5, 0.5],
      ],
      int32: [
        [-2, 3],
        [-Infinity, 0],
        [1, Infinity],
      ],
    };
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      ctx.itIn('clamp (finite and infinite bounds)', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`clamp ${dtype}`);
          const x = dtype === 'int32' ? r.ints(12, -5, 6) : roundTo(dtype, r.uniform(12, -2, 2));
          const xs = k.input(dtype, [3, 4], x);
          for (const [lo, hi] of CLAMPS[dtype === 'int32' ? 'int32' : 'float']) {
            const out = await k.output(ctx.backend.clamp(xs, lo, hi), dtype, 12);
            const ref = x.map((v) => store(dtype, Math.min(Math.max(v, lo), hi)));
            expectClose(out, ref, { ...tolOf(dtype), label: `clamp(${lo}, ${hi}) ${dtype}` });
          }
        }),
      );
    }

    // ------------------------------------------------------------------ cast
    const CAST_SOURCE: Record<DType, number[]> = {
      float32: [-2.75, -1, -0.5, 0, 0.25, 1, 2.5, 3.75, 100.5, -100.5, 1e6, 0.1],
      float64: [-2.75, -1, -0.5, 0, 0.25, 1, 2.5, 3.75, 100.5, -100.5, 1e6, 0.1],
      int32: [-3, -1, 0, 1, 2, 7, 1000, -1000, 5, 0, 16777217, -2],
      bool: [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0],
    };
    for (const from of ALL) {
      for (const to of ALL) {
        const runIn = from === 'float64' || to === 'float64' ? 'float64' : from;
        ctx.itIn(`cast ${from} -> ${to}`, runIn, () =>
          withKernels(ctx.backend, async (k) => {
            const x = roundTo(from, CAST_SOURCE[from]);
            const out = await k.output(ctx.backend.cast(k.input(from, [3, 4], x), to), to, 12);
            // exact, except the rounding of ints beyond 2^24 to float32 (which WGSL leaves to the implementation)
            expectClose(
              out,
              x.map((v) => castRef(v, to)),
              { ...tolOf(to), label: `cast ${from} -> ${to}` },
            );
          }),
        );
      }
    }

    // ------------------------------------------------------------------ reductions
    const REDUCE_CASES: readonly [number[], number[]][] = [
      [[2, 3, 4], [0]],
      [[2, 3, 4], [1]],
      [[2, 3, 4], [2]],
      [
        [2, 3, 4],
        [0, 1],
      ],
      [
        [2, 3, 4],
        [1, 2],
      ],
      [
        [2, 3, 4],
        [0, 2],
      ],
      [
        [2, 3, 4],
        [0, 1, 2],
      ],
      [
        [2, 3, 2, 3],
        [1, 3],
      ],
      [
        [2, 3, 2, 3],
        [0, 3],
      ],
      [[7], [0]],
      [
        [1, 5, 1],
        [0, 2],
      ],
    ];
    const REDUCE_BY_DTYPE: Record<DType, readonly ReduceOp[]> = {
      float32: ['sum', 'max', 'min'],
      float64: ['sum', 'max', 'min'],
      int32: ['sum', 'max', 'min'],
      bool: ['max', 'min'],
    };
    for (const dtype of ALL) {
      for (const op of REDUCE_BY_DTYPE[dtype]) {
        ctx.itIn(`reduce ${op} (single, contiguous and non-contiguous axes)`, dtype, () =>
          withKernels(ctx.backend, async (k) => {
            const r = HostRng.fromName(`reduce ${op} ${dtype}`);
            for (const [shape, axes] of REDUCE_CASES) {
              const n = numel(shape);
              const x =
                dtype === 'bool'
                  ? r.ints(n, 0, 2)
                  : dtype === 'int32'
                    ? r.ints(n, -50, 51)
                    : roundTo(dtype, r.uniform(n, -2, 2));
              const ref = reduceRef(op, x, shape, axes);
              const out = await k.output(
                ctx.backend.reduce(op, k.input(dtype, shape, x), axes),
                dtype,
                numel(ref.shape),
              );
              const count = axes.reduce((s, a) => s * shape[a], 1);
              const t = tolOf(dtype);
              expectClose(out, ref.data, {
                atol: t.atol,
                rtol: t.rtol + count * unitRoundoff(dtype),
                scale: op === 'sum' ? ref.magnitude : undefined,
                label: `reduce ${op} ${shapeStr(shape)} axes ${shapeStr(axes)} ${dtype}`,
              });
            }
          }),
        );
      }
    }

    const ARG_CASES: readonly [number[], number][] = [
      [[3, 4, 2], 0],
      [[3, 4, 2], 1],
      [[3, 4, 2], 2],
      [[9], 0],
    ];
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      for (const op of ['argmax', 'argmin'] as const satisfies readonly ArgReduceOp[]) {
        ctx.itIn(`argReduce ${op} (first index on ties)`, dtype, () =>
          withKernels(ctx.backend, async (k) => {
            const r = HostRng.fromName(`arg ${op} ${dtype}`);
            for (const [shape, axis] of ARG_CASES) {
              const x = r.ints(numel(shape), -3, 4).map((v) => (dtype === 'int32' ? v : v / 2));
              const ref = argReduceRef(op, x, shape, axis);
              const out = await k.output(
                ctx.backend.argReduce(op, k.input(dtype, shape, x), axis),
                'int32',
                ref.length,
              );
              expect(out, `${op} ${shapeStr(shape)} axis ${axis} ${dtype} of ${x.join(',')}`).toEqual(ref);
            }
          }),
        );
      }
    }

    // ------------------------------------------------------------------ matmul
    const TRANS: readonly [boolean, boolean][] = [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ];
    const checkMatmul = async (
      k: KernelIO,
      dtype: DType,
      r: HostRng,
      [ba, bb]: readonly number[],
      [m, kk, n]: readonly number[],
      transA: boolean,
      transB: boolean,
    ) => {
      const aShape = transA ? [ba, kk, m] : [ba, m, kk];
      const bShape = transB ? [bb, n, kk] : [bb, kk, n];
      const gen = (len: number) =>
        dtype === 'int32' ? r.ints(len, -4, 5) : roundTo(dtype, r.uniform(len, -1, 1));
      const a = gen(numel(aShape));
      const b = gen(numel(bShape));
      const ref = matmulRef(a, aShape, b, bShape, transA, transB);
      const out = await k.output(
        ctx.backend.matmul(k.input(dtype, aShape, a), k.input(dtype, bShape, b), transA, transB),
        dtype,
        numel(ref.shape),
      );
      const t = tolOf(dtype);
      expectClose(out, ref.data, {
        atol: t.atol,
        rtol: t.rtol + kk * unitRoundoff(dtype),
        scale: ref.magnitude,
        label: `matmul ${shapeStr(aShape)}${transA ? 'ᵀ' : ''} @ ${shapeStr(bShape)}${transB ? 'ᵀ' : ''} ${dtype}`,
      });
    };
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      ctx.itIn('matmul: all transpose flags, batch broadcasting (Ba = 1 or Bb = 1), odd sizes', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`matmul small ${dtype}`);
          for (const batch of [
            [1, 1],
            [2, 2],
            [1, 3],
            [3, 1],
          ]) {
            for (const size of [
              [5, 7, 3],
              [1, 1, 1],
              [4, 1, 6],
              [2, 9, 1],
            ]) {
              for (const [ta, tb] of TRANS) await checkMatmul(k, dtype, r, batch, size, ta, tb);
            }
          }
        }),
      );
    }
    ctx.itEach(
      'matmul larger than the 128 blocking (130 x 257 x 129), all transpose flags',
      FLOATS,
      (dtype) =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`matmul large ${dtype}`);
          for (const [ta, tb] of TRANS) await checkMatmul(k, dtype, r, [1, 1], [130, 257, 129], ta, tb);
          await checkMatmul(k, dtype, r, [2, 1], [65, 131, 129], false, true);
        }),
    );

    // ------------------------------------------------------------------ layout
    const STRIDED: readonly {
      name: string;
      in: number[];
      out: number[];
      strides: number[];
      offset: number;
    }[] = [
      { name: 'permute', in: [2, 3, 4], out: [4, 2, 3], strides: [1, 12, 4], offset: 0 },
      { name: 'expand (stride 0)', in: [3], out: [2, 3], strides: [0, 1], offset: 0 },
      { name: 'expand the last axis (stride 0)', in: [3, 1], out: [3, 4], strides: [1, 0], offset: 0 },
      { name: 'broadcast a single element', in: [1], out: [2, 2], strides: [0, 0], offset: 0 },
      { name: 'slice with step', in: [10], out: [4], strides: [2], offset: 1 },
      { name: '2-D slice with steps', in: [4, 6], out: [2, 2], strides: [12, 3], offset: 6 },
      { name: 'flip the last axis (negative stride)', in: [2, 3], out: [2, 3], strides: [3, -1], offset: 2 },
      { name: 'flip every axis', in: [2, 3, 2], out: [2, 3, 2], strides: [-6, -2, -1], offset: 11 },
      { name: 'permute + flip + step', in: [3, 4, 5], out: [3, 3, 2], strides: [-2, 20, 10], offset: 4 },
      { name: 'scalar output', in: [2, 3], out: [], strides: [], offset: 4 },
    ];
    for (const dtype of ALL) {
      ctx.itIn('strided (permute, expand, slice with step, flip)', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`strided ${dtype}`);
          for (const c of STRIDED) {
            const x = genAny(dtype, r, numel(c.in));
            const out = await k.output(
              ctx.backend.strided(k.input(dtype, c.in, x), c.out, c.strides, c.offset),
              dtype,
              numel(c.out),
            );
            expect(out, `strided ${c.name} ${dtype}`).toEqual(stridedRef(x, c.out, c.strides, c.offset));
          }
        }),
      );
    }

    const CONCATS: readonly [number[][], number][] = [
      [
        [
          [2, 1, 3],
          [2, 2, 3],
          [2, 3, 3],
        ],
        1,
      ],
      [
        [
          [1, 4],
          [3, 4],
        ],
        0,
      ],
      [
        [
          [2, 2],
          [2, 1],
          [2, 3],
        ],
        1,
      ],
      [
        [
          [2, 3, 1],
          [2, 3, 2],
        ],
        2,
      ],
    ];
    for (const dtype of ALL) {
      ctx.itIn('concat along first, middle and last axes', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`concat ${dtype}`);
          for (const [shapes, axis] of CONCATS) {
            const xs = shapes.map((s) => genAny(dtype, r, numel(s)));
            const ref = concatRef(xs, shapes, axis);
            const out = await k.output(
              ctx.backend.concat(
                shapes.map((s, i) => k.input(dtype, s, xs[i])),
                axis,
              ),
              dtype,
              ref.length,
            );
            expect(out, `concat ${shapes.map(shapeStr).join(' ')} axis ${axis} ${dtype}`).toEqual(ref);
          }
        }),
      );
    }

    // ------------------------------------------------------------------ indexing
    const SELECTS: readonly [number[], number, number[]][] = [
      [[4, 3], 0, [3, 0, 3, 1]],
      [[4, 3], 1, [2, 2, 0, 1]],
      [[2, 3, 4], 1, [2, 0]],
      [[2, 3, 4], 2, [3]],
    ];
    for (const dtype of ALL) {
      ctx.itIn('indexSelect (repeated indices)', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`indexSelect ${dtype}`);
          for (const [shape, axis, index] of SELECTS) {
            const x = genAny(dtype, r, numel(shape));
            const ref = indexSelectRef(x, shape, axis, index);
            const out = await k.output(
              ctx.backend.indexSelect(
                k.input(dtype, shape, x),
                axis,
                k.input('int32', [index.length], index),
              ),
              dtype,
              ref.length,
            );
            expect(out, `indexSelect ${shapeStr(shape)} axis ${axis} ${shapeStr(index)} ${dtype}`).toEqual(
              ref,
            );
          }
        }),
      );
    }
    ctx.itEach('indexAdd (repeated indices accumulate)', FLOATS, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        const r = HostRng.fromName(`indexAdd ${dtype}`);
        for (const [shape, axis, index] of [
          [[4, 3], 0, [1, 1, 3]],
          [[2, 3], 1, [0, 2, 0, 0]],
          [[2, 3, 2], 1, [2, 2, 2, 0, 1]],
        ] as [number[], number, number[]][]) {
          const srcShape = [...shape];
          srcShape[axis] = index.length;
          const src = roundTo(dtype, r.uniform(numel(srcShape), -2, 2));
          const ref = indexAddRef(shape, axis, index, src);
          const out = await k.output(
            ctx.backend.indexAdd(
              shape,
              axis,
              k.input('int32', [index.length], index),
              k.input(dtype, srcShape, src),
            ),
            dtype,
            ref.length,
          );
          expectClose(out, ref, {
            ...tolOf(dtype),
            label: `indexAdd ${shapeStr(shape)} axis ${axis} ${shapeStr(index)}`,
          });
        }
      }),
    );

    // Optional in-place primitives: when a backend has them and accepts the operands, the result must be
    // what the out-of-place primitive gives (the engine calls them on gradient sums it owns).
    ctx.itEach('addInto / indexAddInto (optional): in place, as add and indexAdd', FLOATS, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        const b = ctx.backend;
        if (!b.addInto && !b.indexAddInto) return;
        const r = HostRng.fromName(`in-place ${dtype}`);
        const shape = [5, 300]; // long enough for vectorised or native paths
        const base = roundTo(dtype, r.uniform(numel(shape), -2, 2));
        const other = roundTo(dtype, r.uniform(numel(shape), -2, 2));
        if (b.addInto) {
          const dst = k.input(dtype, shape, base);
          if (b.addInto(dst, k.input(dtype, shape, other))) {
            const ref = base.map((v, i) => v + other[i]);
            expectClose(await k.read(dst.storage, dtype, ref.length), ref, {
              ...tolOf(dtype),
              label: 'addInto',
            });
          }
        }
        if (b.indexAddInto) {
          for (const [axis, index] of [
            [0, [4, 1, 4]],
            [1, [299, 0, 0, 7]],
          ] as [number, number[]][]) {
            const srcShape = [...shape];
            srcShape[axis] = index.length;
            const src = roundTo(dtype, r.uniform(numel(srcShape), -2, 2));
            const dst = k.input(dtype, shape, base);
            if (
              !b.indexAddInto(
                dst,
                axis,
                k.input('int32', [index.length], index),
                k.input(dtype, srcShape, src),
              )
            )
              continue;
            const added = indexAddRef(shape, axis, index, src);
            const ref = base.map((v, i) => v + added[i]);
            expectClose(await k.read(dst.storage, dtype, ref.length), ref, {
              ...tolOf(dtype),
              label: `indexAddInto axis ${axis} ${shapeStr(index)}`,
            });
          }
        }
      }),
    );

    const GATHERS: readonly [number[], number, number[]][] = [
      [[3, 4], 1, [3, 5]],
      [[3, 4], 0, [2, 4]],
      [[3, 4], 1, [2, 3]],
      [[2, 3, 4], 1, [2, 5, 3]],
    ];
    for (const dtype of ALL) {
      ctx.itIn('gather (index shape smaller than the input, repeated indices)', dtype, () =>
        withKernels(ctx.backend, async (k) => {
          const r = HostRng.fromName(`gather ${dtype}`);
          for (const [shape, axis, indexShape] of GATHERS) {
            const x = genAny(dtype, r, numel(shape));
            const index = r.ints(numel(indexShape), 0, shape[axis]);
            const ref = gatherRef(x, shape, axis, index, indexShape);
            const out = await k.output(
              ctx.backend.gather(k.input(dtype, shape, x), axis, k.input('int32', indexShape, index)),
              dtype,
              ref.length,
            );
            expect(
              out,
              `gather ${shapeStr(shape)} axis ${axis} index ${shapeStr(indexShape)} ${dtype}`,
            ).toEqual(ref);
          }
        }),
      );
    }
    ctx.itEach('scatterAdd (repeated indices accumulate)', FLOATS, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        const r = HostRng.fromName(`scatterAdd ${dtype}`);
        for (const [shape, axis, indexShape] of GATHERS) {
          const index = r.ints(numel(indexShape), 0, shape[axis]);
          const src = roundTo(dtype, r.uniform(numel(indexShape), -2, 2));
          const ref = scatterAddRef(shape, axis, index, indexShape, src);
          const out = await k.output(
            ctx.backend.scatterAdd(
              shape,
              axis,
              k.input('int32', indexShape, index),
              k.input(dtype, indexShape, src),
            ),
            dtype,
            ref.length,
          );
          expectClose(out, ref, {
            ...tolOf(dtype),
            label: `scatterAdd ${shapeStr(shape)} axis ${axis} ${shapeStr(indexShape)}`,
          });
        }
      }),
    );

    // ------------------------------------------------------------------ softmax
    ctx.itEach('softmax / log-softmax on every axis, large and -Infinity inputs', FLOATS, (dtype) =>
      withKernels(ctx.backend, async (k) => {
        const r = HostRng.fromName(`softmax ${dtype}`);
        const cases: [number[], number[]][] = [
          [[2, 3, 4], roundTo(dtype, r.uniform(24, -3, 3))],
          [
            [3, 3],
            [1000, 1001, 999, -Infinity, 0, 1, -50, 50, 0],
          ],
          [[5], roundTo(dtype, r.uniform(5, -3, 3))],
        ];
        for (const [shape, x] of cases) {
          const xs = k.input(dtype, shape, x);
          for (let axis = 0; axis < shape.length; axis++) {
            for (const log of [false, true]) {
              const out = await k.output(ctx.backend.softmax(xs, axis, log), dtype, x.length);
              expectClose(out, softmaxRef(x, shape, axis, log), {
                ...tolOf(dtype),
                label: `${log ? 'log-softmax' : 'softmax'} ${shapeStr(shape)} axis ${axis} ${dtype}`,
              });
            }
          }
        }
      }),
    );

    // ------------------------------------------------------------------ random
    const KEY: readonly [number, number] = [0x12345678, 0x9abcdef0];
    ctx.itEach(
      'random uniform: in [0, 1), bitwise equal to Philox and to the CPU backend',
      FLOATS,
      async (dtype) => {
        // The second counter makes the blocks cross 2^32: the counter is 64-bit.
        for (const counter of [1000, 2 ** 32 - 2]) {
          const n = 10001;
          const words = new Uint32Array(4);
          const ref = new Array<number>(n);
          for (let i = 0; i < n; i++) {
            if (i % 4 === 0) philox4x32(counter + i / 4, KEY[0], KEY[1], words);
            ref[i] = wordToUniform(words[i % 4]);
          }
          const got = await readRandom(ctx.backend, 'uniform', [n], dtype, KEY, counter);
          expect(Math.min(...got)).toBeGreaterThanOrEqual(0);
          expect(Math.max(...got)).toBeLessThan(1);
          expectIdentical(got, ref, `uniform ${dtype} counter ${counter} vs Philox`);
          expectIdentical(
            got,
            await readRandom(ctx.cpu, 'uniform', [n], dtype, KEY, counter),
            'uniform vs CPU',
          );
          expectIdentical(
            (await readRandom(ctx.backend, 'uniform', [3, 4], dtype, KEY, counter)).slice(),
            ref.slice(0, 12),
            'a shaped request fills row-major',
          );
        }
      },
    );
    ctx.itEach(
      'random normal: mean and std of 10k samples, same numbers as the CPU backend',
      FLOATS,
      async (dtype) => {
        const n = 10000;
        const got = await readRandom(ctx.backend, 'normal', [n], dtype, KEY, 77);
        const mean = got.reduce((s, v) => s + v, 0) / n;
        const std = Math.sqrt(got.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
        expect(Math.abs(mean), 'mean of 10k standard normal samples').toBeLessThan(0.04);
        expect(Math.abs(std - 1), 'std of 10k standard normal samples').toBeLessThan(0.04);
        expect(got.every(Number.isFinite)).toBe(true);
        const cpu = await readRandom(ctx.cpu, 'normal', [n], dtype, KEY, 77);
        const t = ctx.tol.randomNormal;
        if (t.atol === 0 && t.rtol === 0) expectIdentical(got, cpu, `normal ${dtype} vs CPU`);
        else expectClose(got, cpu, { ...t, label: `normal ${dtype} vs CPU` });
      },
    );
    ctx.itIn(
      'random: a later counter continues the stream; another key gives another stream',
      'float32',
      async () => {
        for (const kind of ['uniform', 'normal'] as const) {
          const whole = await readRandom(ctx.backend, kind, [12], 'float32', KEY, 5);
          const tail = await readRandom(ctx.backend, kind, [8], 'float32', KEY, 6);
          expectIdentical(tail, whole.slice(4), `${kind}: counter + 1 skips 4 values`);
          const other = await readRandom(ctx.backend, kind, [12], 'float32', [KEY[0] + 1, KEY[1]], 5);
          expect(other, `${kind}: another key`).not.toEqual(whole);
        }
      },
    );
  });
}

function genAny(dtype: DType, r: HostRng, n: number): number[] {
  if (dtype === 'bool') return r.ints(n, 0, 2);
  if (dtype === 'int32') return r.ints(n, -100, 100);
  return roundTo(dtype, r.uniform(n, -5, 5));
}

async function readRandom(
  backend: SuiteContext['backend'],
  kind: 'uniform' | 'normal',
  shape: number[],
  dtype: DType,
  key: readonly [number, number],
  counter: number,
): Promise<number[]> {
  const s = backend.random(kind, shape, dtype, key, counter);
  try {
    const arr = await backend.read(s, dtype, numel(shape));
    expect(dtypeOfArray(arr)).toBe(dtype);
    return Array.from(arr);
  } finally {
    backend.release(s);
  }
}
