import {
  DTypeError,
  memory,
  randn,
  ShapeError,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  tidy,
  ValueError,
} from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from '../src/index';
import { expectClose, f64, fixture, type Shaped, worst } from './training-fixtures';

interface LossCase {
  name: string;
  fn: string;
  options: Record<string, unknown>;
  input: Shaped;
  target: Shaped & { dtype: 'int32' | 'float64' };
  gradOutput: Shaped;
  output: Shaped;
  inputGrad: Shaped;
}

const fns: Record<string, (x: Tensor, t: Tensor, o: Record<string, unknown>) => Tensor> = {
  cross_entropy: crossEntropy,
  nll_loss: nllLoss,
  mse_loss: mseLoss,
  binary_cross_entropy_with_logits: binaryCrossEntropyWithLogits,
};

/** PyTorch's keyword arguments as this library's options. */
function options(raw: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = {
    ignore_index: 'ignoreIndex',
    label_smoothing: 'labelSmoothing',
    pos_weight: 'posWeight',
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[names[k] ?? k] = typeof v === 'object' && v !== null ? f64(v as Shaped) : v;
  }
  return out;
}

function target(t: LossCase['target']): Tensor {
  return t.dtype === 'int32' ? tensor(Int32Array.from(t.data), { shape: t.shape }) : f64(t);
}

describe('losses: PyTorch parity (float64, values and input gradients)', () => {
  const cases = fixture.losses as LossCase[];
  it('has fixtures for every loss', () => {
    expect(new Set(cases.map((c) => c.fn))).toEqual(new Set(Object.keys(fns)));
  });
  for (const c of cases) {
    it(c.name, () => {
      tidy(() => {
        const x = f64(c.input).requiresGrad_();
        const out = fns[c.fn](x, target(c.target), options(c.options));
        expect(out.shape).toEqual(c.output.shape);
        expectClose(out.dataSync(), c.output.data, `${c.name} output`);
        out.mul(f64(c.gradOutput)).sum().backward();
        expectClose(x.grad!.dataSync(), c.inputGrad.data, `${c.name} input grad`);
        x.grad!.dispose();
      });
    });
  }
  afterAll(() => {
    console.info(`losses: largest relative error vs PyTorch ${worst.rel.toExponential(2)}`);
    expect(worst.rel).toBeLessThan(1e-5);
  });
});

describe('crossEntropy', () => {
  it('equals the fused softmaxCrossEntropy mean on the fast path, in float32 too', () => {
    tidy(() => {
      const x = randn([6, 5]);
      const t = tensor([0, 4, 2, 2, 1, 3], { dtype: 'int32' });
      expectClose(
        crossEntropy(x, t).dataSync(),
        softmaxCrossEntropy(x, t).mean().dataSync(),
        'fast path',
        1e-6,
      );
      expect(crossEntropy(x, t).dtype).toBe('float32');
    });
  });

  it('is finite for huge logits', () => {
    tidy(() => {
      const x = tensor(
        [
          [1000, -1000, 0],
          [-1e4, 1e4, 3],
        ],
        { dtype: 'float64' },
      );
      const t = tensor([1, 0], { dtype: 'int32' });
      expectClose(crossEntropy(x, t, { reduction: 'none' }).dataSync(), [2000, 2e4], 'huge');
      const smoothed = crossEntropy(x, t, { labelSmoothing: 0.1, weight: tensor([1, 2, 3]) }).itemSync();
      expect(Number.isFinite(smoothed)).toBe(true);
    });
  });

  it('gives NaN for a mean over only ignored targets, as PyTorch', () => {
    tidy(() => {
      const x = randn([2, 3]);
      expect(crossEntropy(x, tensor([-100, -100], { dtype: 'int32' })).itemSync()).toBeNaN();
      expect(crossEntropy(x, tensor([-100, -100], { dtype: 'int32' }), { reduction: 'sum' }).itemSync()).toBe(
        0,
      );
    });
  });

  it('reports bad targets, shapes, dtypes and options with typed errors', () => {
    tidy(() => {
      const x = randn([3, 4]);
      const int = (v: number[]) => tensor(v, { dtype: 'int32' });
      expect(() => crossEntropy(x, int([0, 4, 1]))).toThrow(ValueError);
      expect(() => crossEntropy(x, int([0, 4, 1]))).toThrow(
        /target 4 at position 1 is out of range for 4 classes/,
      );
      expect(() => crossEntropy(x, int([0, -1, 1]))).toThrow(ValueError);
      expect(() => nllLoss(x, int([0, 5, 1]), { ignoreIndex: 5 })).not.toThrow();
      expect(() => crossEntropy(x, int([0, 1]))).toThrow(ShapeError);
      expect(() => crossEntropy(x, tensor([0, 1, 2], { dtype: 'bool' }))).toThrow(DTypeError);
      expect(() => crossEntropy(x, tensor([0, 1, 2]).reshape([3, 1]))).toThrow(ShapeError);
      expect(() => crossEntropy(int([1, 2]), int([0]))).toThrow(DTypeError);
      expect(() => crossEntropy(x, int([0, 1, 2]), { weight: tensor([1, 2]) })).toThrow(
        /weight must have shape \[4\]/,
      );
      expect(() => crossEntropy(x, int([0, 1, 2]), { labelSmoothing: 1.5 })).toThrow(ValueError);
      expect(() => crossEntropy(x, int([0, 1, 2]), { reduction: 'avg' as 'mean' })).toThrow(ValueError);
      expect(() => nllLoss(x, tensor([0, 1, 2]))).toThrow(DTypeError);
      // Class indices in a float dtype: the message is about the dtype, not probability shapes.
      expect(() => crossEntropy(x, tensor([0, 1, 2]))).toThrow(DTypeError);
      expect(() => crossEntropy(x, tensor([0, 1, 2]))).toThrow(
        /target \[3\] float32 has the shape of class indices, which must be int32/,
      );
      expect(() =>
        crossEntropy(
          randn([2, 4, 5]),
          tensor([
            [0, 1, 2, 3, 4],
            [0, 1, 2, 3, 4],
          ]),
        ),
      ).toThrow(/must be int32/);
    });
  });
});

describe('mseLoss and binaryCrossEntropyWithLogits', () => {
  it('reject shape mismatches instead of broadcasting silently', () => {
    tidy(() => {
      expect(() => mseLoss(randn([3, 1]), randn([3]))).toThrow(ShapeError);
      expect(() => binaryCrossEntropyWithLogits(randn([3]), randn([4]))).toThrow(ShapeError);
      expect(() => binaryCrossEntropyWithLogits(randn([3]), randn([3]), { weight: randn([2, 3]) })).toThrow(
        ShapeError,
      );
    });
  });

  it('leave nothing behind inside tidy', () => {
    const before = memory().tensors;
    tidy(() => {
      const x = randn([4, 3]).requiresGrad_();
      binaryCrossEntropyWithLogits(x, randn([4, 3]).sigmoid(), { posWeight: tensor([1, 2, 3]) }).backward();
      crossEntropy(x, tensor([0, 1, 2, 1], { dtype: 'int32' }), { labelSmoothing: 0.1 }).backward();
      x.grad!.dispose();
    });
    expect(memory().tensors).toBe(before);
  });
});
