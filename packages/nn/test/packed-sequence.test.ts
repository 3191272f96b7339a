import { arange, ShapeError, type Tensor, tensor, ValueError, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  PackedSequence,
  packPaddedSequence,
  packSequence,
  padPackedSequence,
  padSequence,
  unpackSequence,
  unpadSequence,
} from '../src/index';

/** [T, B, 1] with value 10·t + b, so every packed row says where it came from. */
function stamped(steps: number, batch: number): Tensor {
  const d: number[] = [];
  for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) d.push(10 * t + b);
  return tensor(d, { shape: [steps, batch, 1] });
}

const col = (t: Tensor) => Array.from(t.dataSync());

describe('packPaddedSequence', () => {
  it('packs lengths given in any order, longest first, step by step', () => {
    const p = packPaddedSequence(stamped(4, 3), [2, 4, 3]);
    expect(p.batchSizes).toEqual([3, 3, 2, 1]);
    expect(p.sortedIndices).toEqual([1, 2, 0]);
    expect(p.unsortedIndices).toEqual([2, 0, 1]);
    expect(col(p.data)).toEqual([1, 2, 0, 11, 12, 10, 21, 22, 31]);
    expect(p.lengths).toEqual([2, 4, 3]);
    expect(p.batchSize).toBe(3);
  });

  it('reads batch-first input and lengths as Int32Array or tensors', () => {
    const bf = stamped(4, 3).transpose(0, 1); // [B, T, 1]
    const a = packPaddedSequence(bf, new Int32Array([2, 4, 3]), { batchFirst: true });
    const b = packPaddedSequence(bf, tensor([2, 4, 3], { dtype: 'int32' }), { batchFirst: true });
    const c = packPaddedSequence(bf, tensor([2, 4, 3]), { batchFirst: true });
    for (const p of [a, b, c]) expect(col(p.data)).toEqual([1, 2, 0, 11, 12, 10, 21, 22, 31]);
  });

  it('with enforceSorted keeps the order (sortedIndices null) and rejects unsorted lengths', () => {
    const p = packPaddedSequence(stamped(3, 2), [3, 1], { enforceSorted: true });
    expect(p.sortedIndices).toBeNull();
    expect(p.unsortedIndices).toBeNull();
    expect(col(p.data)).toEqual([0, 1, 10, 20]);
    expect(() => packPaddedSequence(stamped(3, 2), [1, 3], { enforceSorted: true })).toThrow(
      /lengths must be in decreasing order, got \[1, 3\]; pass enforceSorted: false/,
    );
  });

  it('says which length is wrong', () => {
    const x = stamped(4, 3);
    expect(() => packPaddedSequence(x, [2, 0, 3])).toThrow(/length 0 of sequence 1 is not positive/);
    expect(() => packPaddedSequence(x, [2, 5, 3])).toThrow(
      /length 5 of sequence 1 is longer than the input's 4 time steps/,
    );
    expect(() => packPaddedSequence(x, [2, 3])).toThrow(ShapeError);
    expect(() => packPaddedSequence(x, [2, 3])).toThrow(/got 2 lengths for a batch of 3 sequences/);
    expect(() => packPaddedSequence(x, [2, 2.5, 3])).toThrow(/length 2.5 of sequence 1 is not an integer/);
    expect(() => packPaddedSequence(x, tensor([[1, 2, 3]]))).toThrow(/lengths must be 1-D/);
    expect(() => packPaddedSequence(zeros([4]), [1])).toThrow(/at least 2-D/);
  });

  it('is differentiable: padding gets no gradient', () => {
    const x = stamped(3, 2).requiresGrad_();
    packPaddedSequence(x, [1, 3]).data.sum().backward();
    expect(col(x.grad!)).toEqual([1, 1, 0, 1, 0, 1]);
  });
});

describe('padPackedSequence', () => {
  it('restores the padded batch in the original order, with the lengths', () => {
    const x = stamped(4, 3);
    const [padded, lengths] = padPackedSequence(packPaddedSequence(x, [2, 4, 3]), { paddingValue: -1 });
    expect(lengths).toEqual([2, 4, 3]);
    expect(padded.shape).toEqual([4, 3, 1]);
    expect(col(padded)).toEqual([0, 1, 2, 10, 11, 12, -1, 21, 22, -1, 31, -1]);
  });

  it('pads to totalLength, batch-first on request, and rejects a totalLength that is too short', () => {
    const p = packPaddedSequence(stamped(2, 2), [2, 1]);
    const [padded] = padPackedSequence(p, { batchFirst: true, totalLength: 3 });
    expect(padded.shape).toEqual([2, 3, 1]);
    expect(col(padded)).toEqual([0, 10, 0, 1, 0, 0]);
    expect(() => padPackedSequence(p, { totalLength: 1 })).toThrow(/at least the longest length 2/);
  });
});

describe('padSequence / packSequence / unpadSequence / unpackSequence', () => {
  const seqs = () => [
    arange(0, 2).float().reshape([2, 1]),
    arange(10, 14).float().reshape([4, 1]),
    tensor([[20]]),
  ];

  it('padSequence pads right (or left), time-major (or batch-first)', () => {
    const p = padSequence(seqs(), { paddingValue: -1 });
    expect(p.shape).toEqual([4, 3, 1]);
    expect(col(p)).toEqual([0, 10, 20, 1, 11, -1, -1, 12, -1, -1, 13, -1]);
    const left = padSequence(seqs(), { batchFirst: true, paddingSide: 'left' });
    expect(left.shape).toEqual([3, 4, 1]);
    expect(col(left)).toEqual([0, 0, 0, 1, 10, 11, 12, 13, 0, 0, 0, 20]);
    expect(padSequence([zeros([0, 2]), zeros([2, 2])]).shape).toEqual([2, 2, 2]);
  });

  it('packSequence equals packing the padded batch', () => {
    const a = packSequence(seqs());
    const b = packPaddedSequence(padSequence(seqs()), [2, 4, 1]);
    expect(a.batchSizes).toEqual(b.batchSizes);
    expect(a.sortedIndices).toEqual(b.sortedIndices);
    expect(col(a.data)).toEqual(col(b.data));
    expect(() => packSequence([zeros([0, 1]), zeros([2, 1])])).toThrow(/sequence 0 is empty/);
    expect(() => packSequence(seqs(), { enforceSorted: true })).toThrow(/sorted by decreasing length/);
  });

  it('unpadSequence and unpackSequence give the sequences back', () => {
    const back = unpackSequence(packSequence(seqs()));
    expect(back.map(col)).toEqual(seqs().map(col));
    const bf = unpadSequence(padSequence(seqs(), { batchFirst: true }), [2, 4, 1], { batchFirst: true });
    expect(bf.map((t) => t.shape)).toEqual([
      [2, 1],
      [4, 1],
      [1, 1],
    ]);
    expect(bf.map(col)).toEqual(seqs().map(col));
  });

  it('rejects mismatched and empty inputs', () => {
    expect(() => padSequence([zeros([2, 3]), zeros([2, 4])])).toThrow(
      /sequence 1 has shape \[2, 4\] but sequence 0 has \[2, 3\]/,
    );
    expect(() => padSequence([])).toThrow(ValueError);
    expect(() => padSequence([zeros([0, 1])])).toThrow(/every sequence is empty/);
    expect(() => padSequence(seqs(), { paddingSide: 'top' as 'left' })).toThrow(/paddingSide/);
  });
});

describe('PackedSequence', () => {
  it('validates its parts', () => {
    expect(() => new PackedSequence(zeros([3, 1]), [2, 2])).toThrow(/sum\(batchSizes\) = 4 rows/);
    expect(() => new PackedSequence(zeros([3, 1]), [1, 2])).toThrow(/never increase/);
    expect(() => new PackedSequence(zeros([3, 1]), [2, 1], [0, 0])).toThrow(/permutation of 0\.\.1/);
    const p = new PackedSequence(zeros([3, 1]), [2, 1], [1, 0]);
    expect(p.unsortedIndices).toEqual([1, 0]);
    expect(p.lengths).toEqual([1, 2]);
  });
});
