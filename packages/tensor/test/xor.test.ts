import { describe, expect, it } from 'vitest';
import { keep, manualSeed, noGrad, rand, softmaxCrossEntropy, type Tensor, tensor, tidy } from '../src/index';

/** A 2-8-2 MLP built only from @rnn/tensor ops, trained with plain SGD + momentum. */
function makeParams(): Tensor[] {
  const init = (shape: number[], fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return keep(
      rand(shape)
        .mul(2 * bound)
        .sub(bound),
    ).requiresGrad_();
  };
  return [init([2, 8], 2), init([8], 2), init([8, 2], 8), init([2], 8)];
}

function forward([w1, b1, w2, b2]: Tensor[], x: Tensor): Tensor {
  return x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
}

describe('an MLP made of tensor ops', () => {
  it('learns XOR to near-zero loss', () => {
    manualSeed(1);
    const x = tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
    const params = makeParams();
    const velocity = params.map((p) => keep(p.fullLike(0)));
    let loss = Number.NaN;
    for (let step = 0; step < 500; step++) {
      loss = tidy(() => {
        const l = softmaxCrossEntropy(forward(params, x), y).mean();
        l.backward();
        noGrad(() => {
          params.forEach((p, i) => {
            const v = velocity[i].mul(0.9).add(p.grad!);
            velocity[i].assign(v);
            p.assign(p.sub(v.mul(0.1)));
            p.grad!.dispose();
            p.grad = null;
          });
        });
        return l.itemSync();
      });
    }
    expect(loss).toBeLessThan(0.01);
    const predicted = tidy(() => forward(params, x).argmax(1).arraySync());
    expect(predicted).toEqual([0, 1, 1, 0]);
  });
});
