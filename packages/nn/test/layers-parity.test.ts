import { type Tensor, tensor, withoutFusedKernels } from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { Embedding, LayerNorm, Linear, skipInit } from '../src/index';
import type { LayerFixtures } from './helpers/fixture-schema';
import { ErrorMeter, fromJson, readFixture, readWeights, withPrefix } from './helpers/fixtures';

const { layers } = readFixture<{ layers: LayerFixtures }>('rnn_fixtures.json');
const weights = readWeights('rnn_weights.safetensors');
const meter = new ErrorMeter();
const TOL = 1e-10;

describe('layers match PyTorch (float64, weights from a PyTorch-written safetensors file)', () => {
  it('Linear: output and gradients', () => {
    const f = layers.linear;
    const lin = skipInit(() => new Linear(4, 3, { dtype: 'float64' }));
    lin.loadStateDict(withPrefix(weights, 'linear'));
    const x = fromJson(f.x, true);
    const y = lin.forward(x);
    expect(meter.check('Linear y', y, f.y)).toBeLessThan(TOL);
    y.mul(fromJson(f.g)).sum().backward();
    expect(meter.check('Linear dx', x.grad!, f.xGrad)).toBeLessThan(TOL);
    expect(meter.check('Linear dW', lin.weight.grad!, f.grads.weight)).toBeLessThan(TOL);
    expect(meter.check('Linear db', (lin.bias as Tensor).grad!, f.grads.bias)).toBeLessThan(TOL);
  });

  it('Embedding with paddingIdx: output, and no gradient for the padding row even when it is non-zero', () => {
    const f = layers.embedding;
    const emb = skipInit(() => new Embedding(10, 4, { paddingIdx: f.paddingIdx, dtype: 'float64' }));
    emb.loadStateDict(withPrefix(weights, 'embedding'));
    const y = emb.forward(tensor(f.indices, { dtype: 'int32' }));
    expect(meter.check('Embedding y', y, f.y)).toBeLessThan(TOL);
    y.mul(fromJson(f.g)).sum().backward();
    expect(meter.check('Embedding dW', emb.weight.grad!, f.grads.weight)).toBeLessThan(TOL);
    expect((emb.weight.grad!.arraySync() as number[][])[f.paddingIdx]).toEqual([0, 0, 0, 0]);
  });

  it('Embedding with maxNorm: renormalises the looked-up rows in place, as PyTorch', () => {
    const f = layers.embeddingMaxNorm;
    const emb = skipInit(() => new Embedding(6, 3, { maxNorm: f.maxNorm, dtype: 'float64' }));
    emb.loadStateDict(withPrefix(weights, 'embedding_maxnorm'));
    const y = emb.forward(tensor(f.indices, { dtype: 'int32' }));
    expect(meter.check('Embedding maxNorm y', y, f.y)).toBeLessThan(TOL);
    expect(meter.check('Embedding maxNorm weight', emb.weight, f.weightAfter)).toBeLessThan(TOL);
  });

  const layerNormCase = (label: string) => {
    const f = layers.layerNorm;
    const ln = skipInit(() => new LayerNorm(f.normalizedShape, { eps: f.eps, dtype: 'float64' }));
    ln.loadStateDict(withPrefix(weights, 'layer_norm'));
    const x = fromJson(f.x, true);
    const y = ln.forward(x);
    expect(meter.check(`${label} y`, y, f.y)).toBeLessThan(TOL);
    y.mul(fromJson(f.g)).sum().backward();
    expect(meter.check(`${label} dx`, x.grad!, f.xGrad)).toBeLessThan(TOL);
    expect(meter.check(`${label} dweight`, (ln.weight as Tensor).grad!, f.grads.weight)).toBeLessThan(TOL);
    expect(meter.check(`${label} dbias`, (ln.bias as Tensor).grad!, f.grads.bias)).toBeLessThan(TOL);
  };

  it('LayerNorm over two dimensions: output and gradients (fused CPU kernel)', () =>
    layerNormCase('LayerNorm'));
  it('LayerNorm: the same through the composite (no fused kernel)', () =>
    withoutFusedKernels(() => layerNormCase('LayerNorm (composite)')));
});

afterAll(() => {
  console.log(`layer parity: worst relative error ${meter.worst.toExponential(2)} (${meter.where})`);
});
