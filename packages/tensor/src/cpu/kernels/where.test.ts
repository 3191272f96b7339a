/**
 * The CPU `where` kernel's fast paths (a condition per row: the row is copied from one operand;
 * everything contiguous) against the plain broadcasting definition, for every kind of operand the
 * fast paths treat apart: contiguous rows long and short, a broadcast scalar branch, a branch
 * broadcast along its rows, and mixed array types.
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../../dtype';
import { type Shape, sizeOf } from '../../shape';
import { where } from './elementwise';

/** out[i] = c[i] ? a[i] : b[i] with numpy broadcasting, one element at a time. */
function reference(
  c: Uint8Array,
  cs: Shape,
  a: TypedArray,
  as: Shape,
  b: TypedArray,
  bs: Shape,
  os: Shape,
): number[] {
  const at = (x: TypedArray | Uint8Array, s: Shape, idx: number[]) => {
    let off = 0;
    const lead = os.length - s.length;
    for (let d = 0; d < s.length; d++) off = off * s[d] + (s[d] === 1 ? 0 : idx[d + lead]);
    return x[off];
  };
  const out: number[] = [];
  const idx = os.map(() => 0);
  for (let i = 0; i < sizeOf(os); i++) {
    let r = i;
    for (let d = os.length - 1; d >= 0; d--) {
      idx[d] = r % os[d];
      r = Math.floor(r / os[d]);
    }
    out.push(at(c, cs, idx) ? at(a, as, idx) : at(b, bs, idx));
  }
  return out;
}

const bools = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 3 === 0 ? 1 : 0));
const floats = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => i * 0.5 + seed);

describe('where (CPU kernel)', () => {
  const cases: [string, Shape, Shape, Shape, Shape][] = [
    ['row mask, long rows (copied whole)', [5, 1], [5, 40], [5, 40], [5, 40]],
    ['row mask, short rows', [5, 1], [5, 3], [5, 3], [5, 3]],
    ['row mask, a broadcast scalar branch', [4, 1], [4, 50], [1], [4, 50]],
    ['row mask, a branch broadcast over rows', [3, 1], [3, 40], [40], [3, 40]],
    ['row mask over a middle axis', [2, 3, 1], [2, 3, 33], [2, 3, 33], [2, 3, 33]],
    ['row mask, a branch broadcast along its rows (filled)', [4, 1], [4, 1], [4, 36], [4, 36]],
    ['everything contiguous', [6, 35], [6, 35], [6, 35], [6, 35]],
    ['elementwise mask, broadcast branch', [6, 35], [6, 35], [35], [6, 35]],
  ];
  for (const [name, cs, as, bs, os] of cases) {
    it(name, () => {
      const c = bools(sizeOf(cs), 1);
      const a = floats(sizeOf(as), 1000);
      const b = floats(sizeOf(bs), -1000);
      const out = new Float32Array(sizeOf(os));
      where(c, cs, a, as, b, bs, out, os);
      expect(Array.from(out)).toEqual(reference(c, cs, a, as, b, bs, os));
    });
  }

  it('runs of rows from the same operand (copied or filled a run at a time)', () => {
    // rows 0-2 from a, 3-4 from b, 5 from a, 6-8 from b, 9 from a: runs of 1 to 3 rows, at both ends
    const c = Uint8Array.from([1, 1, 1, 0, 0, 1, 0, 0, 0, 1]);
    for (const w of [40, 3]) {
      const operands: [string, Shape][] = [
        ['whole', [10, w]],
        ['scalar', [1]],
        ['one row', [w]],
        ['one column', [10, 1]],
      ];
      for (const [nameA, as] of operands) {
        for (const [nameB, bs] of operands) {
          const a = floats(sizeOf(as), 1000);
          const b = floats(sizeOf(bs), -1000);
          const out = new Float32Array(10 * w).fill(Number.NaN);
          where(c, [10, 1], a, as, b, bs, out, [10, w]);
          expect(Array.from(out), `${nameA} / ${nameB}, rows of ${w}`).toEqual(
            reference(c, [10, 1], a, as, b, bs, [10, w]),
          );
        }
      }
    }
  });

  it('operands of another array type than the output (copied element by element)', () => {
    const c = bools(4, 0);
    const a = Int32Array.from({ length: 4 * 40 }, (_, i) => i);
    const b = new Float64Array(4 * 40).fill(-1);
    const out = new Float64Array(4 * 40);
    where(c, [4, 1], a, [4, 40], b, [4, 40], out, [4, 40]);
    expect(Array.from(out)).toEqual(reference(c, [4, 1], a, [4, 40], b, [4, 40], [4, 40]));
  });
});
