import { type Tensor, tensor } from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  ELU,
  erf,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  type Module,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from '../src/index';
import { ErrorMeter, fromJson, type JsonTensor, readFixture } from './helpers/fixtures';

interface BatchNormStep {
  x: JsonTensor;
  g: JsonTensor;
  y: JsonTensor;
  xGrad: JsonTensor;
  weightGrad?: JsonTensor;
  biasGrad?: JsonTensor;
  runningMean?: JsonTensor;
  runningVar?: JsonTensor;
  numBatchesTracked?: number;
}
interface BatchNormCase {
  name: string;
  shape: number[];
  options: { momentum: number | null; affine: boolean; trackRunningStats: boolean; eps: number };
  weight: JsonTensor | null;
  bias: JsonTensor | null;
  steps: BatchNormStep[];
  eval: { x: JsonTensor; y: JsonTensor };
}
interface ActivationCase {
  name: string;
  x: JsonTensor;
  g: JsonTensor;
  y: JsonTensor;
  xGrad: JsonTensor;
}

const fixtures = readFixture<{
  batchNorm: BatchNormCase[];
  activations: ActivationCase[];
  erf: ActivationCase;
}>('norm_activations.json');
const meter = new ErrorMeter();
const TOL = 1e-10;

describe('BatchNorm1d matches PyTorch (float64): two training steps, then eval', () => {
  it.each(fixtures.batchNorm.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const bn = new BatchNorm1d(c.shape[1], {
      momentum: c.options.momentum,
      affine: c.options.affine,
      trackRunningStats: c.options.trackRunningStats,
      dtype: 'float64',
    });
    if (c.weight) bn.weight!.assign(fromJson(c.weight));
    if (c.bias) bn.bias!.assign(fromJson(c.bias));
    for (const [i, s] of c.steps.entries()) {
      bn.zeroGrad();
      const x = fromJson(s.x, true);
      const y = bn.forward(x);
      expect(meter.check(`${c.name} y${i}`, y, s.y)).toBeLessThan(TOL);
      y.mul(fromJson(s.g)).sum().backward();
      expect(meter.check(`${c.name} dx${i}`, x.grad!, s.xGrad)).toBeLessThan(TOL);
      if (s.weightGrad)
        expect(meter.check(`${c.name} dw${i}`, (bn.weight as Tensor).grad!, s.weightGrad)).toBeLessThan(TOL);
      if (s.biasGrad)
        expect(meter.check(`${c.name} db${i}`, (bn.bias as Tensor).grad!, s.biasGrad)).toBeLessThan(TOL);
      if (s.runningMean) {
        expect(meter.check(`${c.name} running_mean${i}`, bn.running_mean!, s.runningMean)).toBeLessThan(TOL);
        expect(meter.check(`${c.name} running_var${i}`, bn.running_var!, s.runningVar!)).toBeLessThan(TOL);
        expect(bn.num_batches_tracked!.itemSync()).toBe(s.numBatchesTracked);
      }
    }
    bn.eval();
    expect(meter.check(`${c.name} eval y`, bn.forward(fromJson(c.eval.x)), c.eval.y)).toBeLessThan(TOL);
  });
});

const modules: Record<string, () => Module & { forward(x: Tensor): Tensor }> = {
  ReLU: () => new ReLU(),
  Tanh: () => new Tanh(),
  Sigmoid: () => new Sigmoid(),
  GELU: () => new GELU(),
  'GELU tanh': () => new GELU('tanh'),
  LeakyReLU: () => new LeakyReLU(),
  'LeakyReLU 0.2': () => new LeakyReLU(0.2),
  ELU: () => new ELU(),
  'ELU 0.5': () => new ELU(0.5),
  SiLU: () => new SiLU(),
  Softplus: () => new Softplus(),
  'Softplus beta 2 threshold 5': () => new Softplus(2, 5),
  'Softmax 1': () => new Softmax(1),
  'LogSoftmax 0': () => new LogSoftmax(0),
  Identity: () => new Identity(),
};

describe('activation modules match PyTorch (float64), at 0 and far out too', () => {
  it.each(fixtures.activations.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const make = modules[name];
    expect(make, `no module for ${name}`).toBeDefined();
    const x = fromJson(c.x, true);
    const y = make().forward(x);
    expect(meter.check(`${name} y`, y, c.y)).toBeLessThan(TOL);
    y.mul(fromJson(c.g)).sum().backward();
    expect(meter.check(`${name} dx`, x.grad!, c.xGrad)).toBeLessThan(TOL);
  });

  it('erf (used by the exact GELU): value and derivative', () => {
    const c = fixtures.erf;
    const x = fromJson(c.x, true);
    const y = erf(x);
    expect(meter.check('erf', y, c.y)).toBeLessThan(1e-14);
    y.mul(fromJson(c.g)).sum().backward();
    expect(meter.check('erf dx', x.grad!, c.xGrad)).toBeLessThan(1e-14);
  });

  it('float32 GELU is close to the float64 values', () => {
    const c = fixtures.activations.find((a) => a.name === 'GELU')!;
    const y = new GELU().forward(tensor(Float32Array.from(c.x.data), { shape: c.x.shape }));
    const got = y.dataSync();
    c.y.data.forEach((v, i) => {
      expect(Math.abs(got[i] - v)).toBeLessThan(1e-6 * Math.max(1, Math.abs(v)));
    });
  });
});

afterAll(() => {
  console.log(
    `norm/activation parity: worst relative error ${meter.worst.toExponential(2)} (${meter.where})`,
  );
});
