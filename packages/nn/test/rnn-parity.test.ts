import { type Tensor, withoutFusedKernels } from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type Module,
  type PackedSequence,
  packPaddedSequence,
  padPackedSequence,
  RNN,
  RNNCell,
  skipInit,
} from '../src/index';
import type { RnnCase } from './helpers/fixture-schema';
import {
  ErrorMeter,
  fromJson,
  type JsonTensor,
  readFixture,
  readWeights,
  withPrefix,
} from './helpers/fixtures';

interface CellCase {
  name: string;
  kind: 'lstm' | 'gru' | 'rnn';
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  nonlinearity: 'tanh' | 'relu';
  x: JsonTensor;
  h0: JsonTensor | null;
  c0: JsonTensor | null;
  gH: JsonTensor;
  gC: JsonTensor | null;
  hN: JsonTensor;
  cN: JsonTensor | null;
  grads: Record<string, JsonTensor>;
  xGrad: JsonTensor;
}

const fixtures = readFixture<{ torch: string; rnn: RnnCase[]; cells: CellCase[] }>('rnn_fixtures.json');
const weights = readWeights('rnn_weights.safetensors');
const meter = new ErrorMeter();
// float64 end to end: PyTorch and @rnn differ only by rounding (observed ~1e-15).
const TOL = 1e-10;

function build(c: RnnCase): RNN | LSTM | GRU {
  const common = {
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    batchFirst: c.batchFirst,
    bias: c.bias,
    dtype: 'float64' as const,
  };
  return skipInit(() => {
    if (c.kind === 'lstm') return new LSTM(c.inputSize, c.hiddenSize, { ...common, projSize: c.projSize });
    if (c.kind === 'gru') return new GRU(c.inputSize, c.hiddenSize, common);
    return new RNN(c.inputSize, c.hiddenSize, { ...common, nonlinearity: c.nonlinearity });
  });
}

function runCase(c: RnnCase, label: string): void {
  const model = build(c);
  expect(model.flatWeightNames).toEqual(c.paramNames);
  model.loadStateDict(withPrefix(weights, c.name));
  const x = fromJson(c.x, true);
  const h0 = c.h0 ? fromJson(c.h0, true) : null;
  const c0 = c.c0 ? fromJson(c.c0, true) : null;
  const input = c.lengths ? packPaddedSequence(x, c.lengths, { batchFirst: c.batchFirst }) : x;
  let out: Tensor;
  let hN: Tensor;
  let cN: Tensor | null = null;
  if (model instanceof LSTM) {
    const [o, [h, cc]] = model.forward(input as Tensor, h0 && c0 ? [h0, c0] : null);
    [out, hN, cN] = [o, h, cc];
  } else {
    [out, hN] = (model as GRU).forward(input as Tensor, h0);
  }
  if (c.lengths) {
    const packed = out as unknown as PackedSequence;
    expect(packed.batchSizes).toEqual(c.batchSizes);
    meter.check(`${label} packed data`, packed.data, c.packedData!);
    const [padded, lengths] = padPackedSequence(packed, { batchFirst: c.batchFirst });
    expect(lengths).toEqual(c.lengths);
    out = padded;
  }
  expect(meter.check(`${label} output`, out, c.out)).toBeLessThan(TOL);
  expect(meter.check(`${label} h_n`, hN, c.hN)).toBeLessThan(TOL);
  if (cN) expect(meter.check(`${label} c_n`, cN, c.cN!)).toBeLessThan(TOL);

  let loss = out
    .mul(fromJson(c.gOut))
    .sum()
    .add(hN.mul(fromJson(c.gH)).sum());
  if (cN) loss = loss.add(cN.mul(fromJson(c.gC!)).sum());
  loss.backward();
  for (const [name, g] of Object.entries(c.grads)) {
    expect(meter.check(`${label} grad ${name}`, model.getParameter(name).grad!, g)).toBeLessThan(TOL);
  }
  expect(meter.check(`${label} grad x`, x.grad!, c.xGrad)).toBeLessThan(TOL);
  if (h0) expect(meter.check(`${label} grad h0`, h0.grad!, c.h0Grad!)).toBeLessThan(TOL);
  if (c0) expect(meter.check(`${label} grad c0`, c0.grad!, c.c0Grad!)).toBeLessThan(TOL);
}

describe(`recurrent layers match PyTorch ${fixtures.torch} (float64, weights from a PyTorch-written safetensors file)`, () => {
  for (const c of fixtures.rnn) {
    it(`${c.name}: outputs, final states and gradients (fused CPU kernel)`, () => runCase(c, c.name));
    it(`${c.name}: the same through the composite (no fused kernel)`, () =>
      withoutFusedKernels(() => runCase(c, `${c.name} (composite)`)));
  }

  it('float32 models stay within 1e-5 of PyTorch float64', () => {
    const c = fixtures.rnn.find((r) => r.name === 'lstm_2l_bi_bf_packed')!;
    const model = build(c) as LSTM;
    model.loadStateDict(withPrefix(weights, c.name));
    model.float();
    const x = fromJson(c.x).float();
    const [out] = model.forward(packPaddedSequence(x, c.lengths!, { batchFirst: true }), [
      fromJson(c.h0!).float(),
      fromJson(c.c0!).float(),
    ]);
    const [padded] = padPackedSequence(out, { batchFirst: true });
    expect(new ErrorMeter().check('float32', padded, c.out)).toBeLessThan(1e-5);
  });
});

describe('recurrent cells match PyTorch (float64)', () => {
  for (const c of fixtures.cells) {
    it(`${c.name}: next state and gradients`, () => {
      const opts = { bias: c.bias, dtype: 'float64' as const };
      const cell = skipInit((): Module => {
        if (c.kind === 'lstm') return new LSTMCell(c.inputSize, c.hiddenSize, opts);
        if (c.kind === 'gru') return new GRUCell(c.inputSize, c.hiddenSize, opts);
        return new RNNCell(c.inputSize, c.hiddenSize, { ...opts, nonlinearity: c.nonlinearity });
      });
      cell.loadStateDict(withPrefix(weights, c.name));
      const x = fromJson(c.x, true);
      const h = c.h0 ? fromJson(c.h0) : null;
      let h1: Tensor;
      let c1: Tensor | null = null;
      if (cell instanceof LSTMCell) [h1, c1] = cell.forward(x, h ? [h, fromJson(c.c0!)] : null);
      else h1 = (cell as GRUCell).forward(x, h);
      expect(meter.check(`${c.name} h'`, h1, c.hN)).toBeLessThan(TOL);
      let loss = h1.mul(fromJson(c.gH)).sum();
      if (c1) {
        expect(meter.check(`${c.name} c'`, c1, c.cN!)).toBeLessThan(TOL);
        loss = loss.add(c1.mul(fromJson(c.gC!)).sum());
      }
      loss.backward();
      for (const [name, g] of Object.entries(c.grads)) {
        expect(meter.check(`${c.name} grad ${name}`, cell.getParameter(name).grad!, g)).toBeLessThan(TOL);
      }
      expect(meter.check(`${c.name} grad x`, x.grad!, c.xGrad)).toBeLessThan(TOL);
    });
  }
});

afterAll(() => {
  console.log(`recurrent parity: worst relative error ${meter.worst.toExponential(2)} (${meter.where})`);
});
