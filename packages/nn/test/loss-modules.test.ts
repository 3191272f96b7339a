import { logSoftmax, randn, tensor, tidy, ValueError } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  BCEWithLogitsLoss,
  binaryCrossEntropyWithLogits,
  CrossEntropyLoss,
  crossEntropy,
  MSELoss,
  mseLoss,
  NLLLoss,
  nllLoss,
} from '../src/index';

const same = (a: { dataSync(): ArrayLike<number> }, b: { dataSync(): ArrayLike<number> }) =>
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

describe('loss modules', () => {
  it('compute what the functions compute, with the options fixed at construction', () =>
    tidy(() => {
      const logits = randn([4, 3], { dtype: 'float64' });
      const target = tensor([0, 2, 1, 2], { dtype: 'int32' });
      const weight = tensor([1, 2, 0.5], { dtype: 'float64' });
      const opts = { weight, ignoreIndex: 1, labelSmoothing: 0.1, reduction: 'sum' as const };
      same(new CrossEntropyLoss(opts).forward(logits, target), crossEntropy(logits, target, opts));
      const logp = logSoftmax(logits, 1);
      same(
        new NLLLoss({ reduction: 'none' }).forward(logp, target),
        nllLoss(logp, target, { reduction: 'none' }),
      );
      const y = randn([4, 3], { dtype: 'float64' });
      same(new MSELoss().forward(logits, y), mseLoss(logits, y));
      const p = y.sigmoid();
      const posWeight = tensor([1, 3, 0.5], { dtype: 'float64' });
      same(
        new BCEWithLogitsLoss({ posWeight }).forward(logits, p),
        binaryCrossEntropyWithLogits(logits, p, { posWeight }),
      );
    }));

  it("keep class weights as buffers under PyTorch's names, and have PyTorch's defaults", () =>
    tidy(() => {
      const ce = new CrossEntropyLoss({ weight: tensor([1, 2]) });
      expect(Object.keys(ce.stateDict())).toEqual(['weight']);
      expect(ce.parameters()).toEqual([]);
      expect([ce.ignoreIndex, ce.reduction, ce.labelSmoothing]).toEqual([-100, 'mean', 0]);
      expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
      const bce = new BCEWithLogitsLoss({ weight: tensor([1]), posWeight: tensor([2]) });
      expect(Object.keys(bce.stateDict()).sort()).toEqual(['pos_weight', 'weight']);
      expect(new MSELoss({ reduction: 'sum' }).toString()).toBe("MSELoss(reduction='sum')");
    }));

  it('report bad options and inputs as the functions do', () =>
    tidy(() => {
      const bad = new CrossEntropyLoss({ reduction: 'avg' as never });
      expect(() => bad.forward(randn([2, 3]), tensor([0, 1], { dtype: 'int32' }))).toThrow(ValueError);
      expect(() => new CrossEntropyLoss().forward(randn([2, 3]), tensor([0, 3], { dtype: 'int32' }))).toThrow(
        /3/,
      );
    }));
});
