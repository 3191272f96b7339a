import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  Generator,
  manualSeed,
  multinomial,
  randn,
  tensor,
  topk,
  ValueError,
} from '../src/index';

describe('topk', () => {
  it('matches a sort, for the largest and the smallest, along any dim', () => {
    const x = randn([4, 7], { generator: new Generator(1) });
    const rows = x.arraySync() as number[][];
    const { values, indices } = topk(x, 3);
    const { values: low, indices: lowIdx } = x.topk(2, 1, { largest: false });
    rows.forEach((row, r) => {
      const order = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
      expect((indices.arraySync() as number[][])[r]).toEqual(order.slice(0, 3).map(([, i]) => i));
      expect((values.arraySync() as number[][])[r]).toEqual(order.slice(0, 3).map(([v]) => v));
      expect((lowIdx.arraySync() as number[][])[r]).toEqual(
        order
          .slice(-2)
          .reverse()
          .map(([, i]) => i),
      );
      expect((low.arraySync() as number[][])[r]).toEqual(
        order
          .slice(-2)
          .reverse()
          .map(([v]) => v),
      );
    });
    expect(topk(x, 2, 0).indices.shape).toEqual([2, 7]);
    expect(topk(x, 0).values.shape).toEqual([4, 0]);
  });

  it('keeps the lower index first among ties, and passes gradients to the picked elements', () => {
    const x = tensor([1, 3, 3, 2], { requiresGrad: true });
    const { values, indices } = topk(x, 3);
    expect(Array.from(indices.dataSync())).toEqual([1, 2, 3]);
    values
      .mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 1, 10, 100]);
  });

  it('rejects bad k and integer input with clear errors', () => {
    expect(() => topk(tensor([1, 2]), 3)).toThrow(/k must be an integer in \[0, 2\]/);
    expect(() => topk(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(DTypeError);
  });
});

describe('multinomial', () => {
  it('draws each category in proportion to its weight', () => {
    manualSeed(5);
    const w = tensor([1, 2, 7, 0]);
    const n = 20000;
    const draws = multinomial(w, n, { replacement: true }).dataSync();
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d]++;
    [0.1, 0.2, 0.7, 0].forEach((p, i) => {
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(counts[i] - n * p)).toBeLessThanOrEqual(4 * sd);
    });
    expect(counts[3]).toBe(0);
  });

  it('without replacement, each row draws distinct categories, heavier ones first more often', () => {
    const g = new Generator(9);
    let firstIsHeavy = 0;
    for (let t = 0; t < 300; t++) {
      const s = Array.from(multinomial(tensor([[1, 1, 8, 1, 1]]), 5, { generator: g }).dataSync());
      expect(new Set(s).size).toBe(5);
      if (s[0] === 2) firstIsHeavy++;
    }
    expect(firstIsHeavy / 300).toBeGreaterThan(0.55); // P = 8/12
    expect(firstIsHeavy / 300).toBeLessThan(0.78);
  });

  it('the same seed draws the same samples', () => {
    const w = randn([3, 50], { generator: new Generator(2) }).exp();
    const a = multinomial(w, 4, { generator: new Generator(7) }).arraySync();
    const b = multinomial(w, 4, { generator: new Generator(7) }).arraySync();
    expect(a).toEqual(b);
    expect(multinomial(w, 4, { generator: new Generator(8) }).arraySync()).not.toEqual(a);
  });

  it('rejects invalid weights and sample counts, as PyTorch does', () => {
    expect(() => multinomial(tensor([1, -1]), 1)).toThrow(ValueError);
    expect(() => multinomial(tensor([1, Number.NaN]), 1)).toThrow(/finite and non-negative/);
    expect(() => multinomial(tensor([0, 0]), 1)).toThrow(/expected at least one/);
    expect(() => multinomial(tensor([1, 0, 2]), 3)).toThrow(/cannot draw 3 without replacement/);
    expect(() => multinomial(tensor([1, 2]), 3)).toThrow(/from 2 categories/);
    expect(() => multinomial(tensor([1, 2]), 0)).toThrow(/positive integer/);
    expect(() => multinomial(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(DTypeError);
    expect(multinomial(tensor([1, 2]), 5, { replacement: true }).shape).toEqual([5]);
  });
});
