import { describe, expect, it } from 'vitest';
import { indexCopy, ShapeError, tensor, ValueError, zeros } from '../src/index';

const idx = (v: number[]) => tensor(v, { dtype: 'int32' });

describe('indexCopy', () => {
  it('writes rows of a stack kept as one tensor, leaving the input unchanged', () => {
    const stack = zeros([4, 2]);
    const next = indexCopy(
      stack,
      0,
      idx([3, 1]),
      tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(next.arraySync()).toEqual([
      [0, 0],
      [3, 4],
      [0, 0],
      [1, 2],
    ]);
    expect(stack.arraySync()).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('sends the gradient of written entries to the source, of the rest to the input', () => {
    const x = tensor(
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      { requiresGrad: true },
    );
    const src = tensor([[5, 6]], { requiresGrad: true });
    x.indexCopy(0, idx([1]), src)
      .mul(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      )
      .sum()
      .backward();
    expect(x.grad!.arraySync()).toEqual([
      [1, 2],
      [0, 0],
      [5, 6],
    ]);
    expect(src.grad!.arraySync()).toEqual([[3, 4]]);
  });

  it('rejects repeated or out-of-range indices and mismatched sources', () => {
    const x = zeros([3, 2]);
    expect(() => indexCopy(x, 0, idx([1, 1]), zeros([2, 2]))).toThrow(ValueError);
    expect(() => indexCopy(x, 0, idx([1, 1]), zeros([2, 2]))).toThrow(/index 1 appears twice/);
    expect(() => indexCopy(x, 0, idx([3]), zeros([1, 2]))).toThrow(/out of range/);
    expect(() => indexCopy(x, 0, idx([0]), zeros([1, 3]))).toThrow(ShapeError);
    expect(() => indexCopy(x, 0, idx([0]), zeros([1, 3]))).toThrow(/source must be \[1, 2\]/);
  });
});
