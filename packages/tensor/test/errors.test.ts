import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  arange,
  BackendError,
  cat,
  createCpuBackend,
  DataFormatError,
  DTypeError,
  dropout,
  manualSeed,
  RnnError,
  randint,
  registerBackend,
  ShapeError,
  setBackend,
  softmaxCrossEntropy,
  stack,
  tensor,
  ValueError,
  where,
  zeros,
} from '../src/index';

/** Bad input gives a typed error whose message names the op and what was expected. */
describe('typed errors', () => {
  it('broadcasting mismatch names the op and both shapes', () => {
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow(ShapeError);
    expect(() => zeros([2, 3]).add(zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });

  it('matmul inner dimension mismatch', () => {
    expect(() => zeros([2, 3]).matmul(zeros([4, 5]))).toThrow(
      /matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/,
    );
    expect(() => zeros([]).matmul(zeros([3]))).toThrow(ShapeError);
    expect(() => zeros([2, 2], { dtype: 'int32' }).matmul(zeros([2, 2]))).toThrow(DTypeError);
  });

  it('reshape to a different element count', () => {
    expect(() => zeros([2, 3]).reshape([4, 2])).toThrow(
      /reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/,
    );
    expect(() => zeros([2, 3]).reshape([-1, -1])).toThrow(ShapeError);
  });

  it('axes out of range', () => {
    expect(() => zeros([2, 3]).sum(2)).toThrow(/sum: dimension 2 is out of range for a tensor of rank 2/);
    expect(() => zeros([2, 3]).softmax(-3)).toThrow(ShapeError);
    expect(() => zeros([2, 3]).permute([0, 0])).toThrow(/permute: repeated dimension/);
    expect(() => zeros([2, 3]).narrow(1, 2, 2)).toThrow(
      /narrow: start 2 and length 2 do not fit dimension 1 of size 3/,
    );
    expect(() => zeros([2, 3]).select(0, 2)).toThrow(ShapeError);
    expect(() => zeros([2, 3]).expand([4, 3])).toThrow(/expand: cannot expand \[2, 3\] to \[4, 3\]/);
  });

  it('dtype errors', () => {
    expect(() => zeros([2], { dtype: 'int32' }).mean()).toThrow(DTypeError);
    expect(() => zeros([2], { dtype: 'bool' }).neg()).toThrow(/neg: bool tensors cannot be negated/);
    expect(() => where(zeros([2]), zeros([2]), zeros([2]))).toThrow(
      /where: the condition must be a bool tensor, got float32/,
    );
    expect(() => zeros([2]).maskedFill(zeros([2]), 1)).toThrow(DTypeError);
    expect(() => tensor([0.5], { dtype: 'int32' })).toThrow(/not an integer, but dtype is int32/);
    expect(() => zeros([3]).indexSelect(0, zeros([2]))).toThrow(
      /indexSelect: indices must be an int32 tensor, got float32/,
    );
  });

  it('index errors say which index and the valid range', () => {
    const idx = tensor([0, 5], { dtype: 'int32' });
    expect(() => zeros([3, 2]).indexSelect(0, idx)).toThrow(
      /index 5 \(at flat position 1\) is out of range for dimension 0 of size 3/,
    );
    expect(() => zeros([3, 2]).gather(1, tensor([[0], [2], [1]], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(zeros([2, 3]), tensor([1, 3], { dtype: 'int32' }))).toThrow(
      /target 3 at position 1 is out of range for 3 classes/,
    );
    expect(() => softmaxCrossEntropy(zeros([2, 3]), tensor([1, 2]))).toThrow(DTypeError);
  });

  it('cat and stack check their inputs', () => {
    expect(() => cat([])).toThrow(ValueError);
    expect(() => cat([zeros([2, 3]), zeros([2, 4])], 0)).toThrow(
      /cat: tensor 1 has shape \[2, 4\] but tensor 0 has \[2, 3\]/,
    );
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(/stack: tensor 1 has shape \[3\], expected \[2\]/);
  });

  it('creation errors', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 2] })).toThrow(
      /5 values do not fill shape \[2, 2\]/,
    );
    expect(() => zeros([2, -1])).toThrow(ShapeError);
    expect(() => arange(0, 3, 0)).toThrow(ValueError);
    expect(() => randint(3, 3, [2])).toThrow(ValueError);
    expect(() => manualSeed(-1)).toThrow(ValueError);
    expect(() => dropout(zeros([2]), 1.5)).toThrow(ValueError);
  });

  it('autograd misuse', () => {
    expect(() => zeros([2]).sum().backward()).toThrow(AutogradError);
    const x = zeros([2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(
      /a gradient can be implied only for a single-element output, got shape \[2\]/,
    );
    expect(() => x.mul(2).backward(zeros([3]))).toThrow(
      /gradient shape \[3\] does not match the output shape \[2\]/,
    );
    expect(() => {
      zeros([2], { dtype: 'int32' }).requiresGrad = true;
    }).toThrow(/only floating-point tensors can require grad, got int32/);
    const y = x.mul(2).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/already freed/);
  });

  it('mixing backends says how to fix it', async () => {
    registerBackend('cpu2', () => createCpuBackend('cpu2'));
    await setBackend('cpu2');
    const other = zeros([2]);
    await setBackend('cpu');
    expect(() => zeros([2]).add(other)).toThrow(BackendError);
    expect(() => zeros([2]).add(other)).toThrow(
      /different backends \("cpu" and "cpu2"\); move one with t.to\('cpu'\)/,
    );
    expect(zeros([2]).add(other.to('cpu')).arraySync()).toEqual([0, 0]);
    await expect(setBackend('nope')).rejects.toThrow(/unknown backend "nope"/);
    await expect(setBackend('webgpu')).rejects.toThrow(/`import '@rnn\/backend-webgpu\/register'`/);
  });

  it('a failed op loses nothing: inputs stay usable', () => {
    const a = tensor([1, 2, 3]);
    expect(() => a.add(zeros([2]))).toThrow(ShapeError);
    expect(a.arraySync()).toEqual([1, 2, 3]);
  });

  it('DataFormatError carries file and line, and says both', () => {
    const e = new DataFormatError('train.txt', 12, 'expected 2 tab-separated columns, got 3');
    expect(e).toBeInstanceOf(RnnError);
    expect([e.name, e.file, e.line, e.detail]).toEqual([
      'DataFormatError',
      'train.txt',
      12,
      'expected 2 tab-separated columns, got 3',
    ]);
    expect(e.message).toBe('train.txt:12: expected 2 tab-separated columns, got 3');
    expect(new DataFormatError('weights.npz', 0, 'not a zip file').message).toBe(
      'weights.npz: not a zip file',
    );
  });
});
