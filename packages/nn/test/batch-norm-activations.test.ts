import { manualSeed, randn, tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Dropout,
  GELU,
  Identity,
  LeakyReLU,
  Linear,
  loadSafetensors,
  ReLU,
  Sequential,
  saveSafetensors,
  Tanh,
} from '../src/index';

describe('BatchNorm1d', () => {
  it('has PyTorch’s state-dict names, and its statistics survive a safetensors round trip', () => {
    manualSeed(0);
    const bn = new BatchNorm1d(3);
    expect(Object.keys(bn.stateDict())).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    bn.forward(randn([8, 3]).mul(3).add(2));
    const copy = new BatchNorm1d(3);
    copy.loadStateDict(loadSafetensors(saveSafetensors(bn.stateDict())));
    expect(Array.from(copy.running_mean!.dataSync())).toEqual(Array.from(bn.running_mean!.dataSync()));
    expect(copy.num_batches_tracked!.itemSync()).toBe(1);
    const noStats = new BatchNorm1d(3, { trackRunningStats: false, affine: false });
    expect(Object.keys(noStats.stateDict())).toEqual([]);
  });

  it('normalises each channel in training, uses the running statistics in eval mode', () => {
    manualSeed(1);
    const bn = new BatchNorm1d(2, { momentum: 1 }); // running statistics = the last batch's
    const x = randn([64, 2, 3])
      .mul(tensor([5, 0.5]).reshape([1, 2, 1]))
      .add(tensor([10, -1]).reshape([1, 2, 1]));
    const y = bn.forward(x);
    const mean = y.mean([0, 2]).dataSync();
    const variance = y.square().mean([0, 2]).dataSync();
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(mean[c])).toBeLessThan(1e-5);
      expect(variance[c]).toBeCloseTo(1, 3);
    }
    bn.eval();
    // With the batch's own statistics as running ones, eval differs only by the unbiased variance.
    const e = bn.forward(x).dataSync();
    const t = y.dataSync();
    const n = 64 * 3;
    for (let i = 0; i < e.length; i++) expect(e[i]).toBeCloseTo(t[i] * Math.sqrt((n - 1) / n), 3);
    expect(bn.num_batches_tracked!.itemSync()).toBe(1); // eval does not count
  });

  it('says what is wrong with the input', () => {
    const bn = new BatchNorm1d(4);
    expect(() => bn.forward(randn([3, 5]))).toThrow(
      'BatchNorm1d: expected input [N, 4] or [N, 4, L], got [3, 5]',
    );
    expect(() => bn.forward(randn([1, 4]))).toThrow('expected more than 1 value per channel when training');
    bn.eval();
    expect(bn.forward(randn([1, 4])).shape).toEqual([1, 4]);
    expect(() => new BatchNorm1d(4, { momentum: 2 })).toThrow('momentum must be in [0, 1] or null');
  });

  it('converts with the model (float64) and keeps its counter an integer', () => {
    const bn = new BatchNorm1d(2).double();
    expect(bn.running_var!.dtype).toBe('float64');
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(bn.forward(randn([4, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });
});

describe('activation modules in Sequential', () => {
  it('chain like torch.nn.Sequential and add nothing to the state dict', () => {
    manualSeed(2);
    const mlp = new Sequential(
      new Linear(4, 8),
      new BatchNorm1d(8),
      new ReLU(),
      new Dropout(0.1),
      new Linear(8, 8),
      new GELU(),
      new LeakyReLU(0.1),
      new Tanh(),
      new Identity(),
      new Linear(8, 3),
    );
    expect(Object.keys(mlp.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '4.weight',
      '4.bias',
      '9.weight',
      '9.bias',
    ]);
    const x = randn([5, 4]);
    const y = mlp.forward(x);
    expect(y.shape).toEqual([5, 3]);
    y.sum().backward();
    for (const p of mlp.parameters()) expect(p.grad, 'every parameter gets a gradient').not.toBeNull();
    expect(mlp.toString()).toContain("(5): GELU(approximate='none')");
    expect(() => new GELU('fast' as 'tanh')).toThrow("approximate must be 'none' or 'tanh'");
  });
});
