import {
  cat,
  DTypeError,
  manualSeed,
  memory,
  noGrad,
  randn,
  ShapeError,
  stack,
  type Tensor,
  tidy,
  ValueError,
} from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  packPaddedSequence,
  packSequence,
  padPackedSequence,
  padSequence,
  RNN,
  RNNCell,
} from '../src/index';
import { fixedRandom, gradcheckLeaves, maxRelDiff } from './helpers/gradcheck';

const weighted = (y: Tensor, seed: number) => y.mul(fixedRandom(y.shape, seed)).sum();

/** Sets every parameter to fixed values in (−0.6, 0.6), for reproducible float64 checks. */
function fill<M extends { parameters(): Tensor[] }>(m: M, seed: number): M {
  noGrad(() => {
    m.parameters().forEach((p, i) => {
      p.assign(fixedRandom(p.shape, seed + i, 0.6));
    });
  });
  return m;
}

describe('recurrent layers: parameters', () => {
  it("use PyTorch's names, shapes and order", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    expect(lstm.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0 16x3',
      'weight_hh_l0 16x2',
      'bias_ih_l0 16',
      'bias_hh_l0 16',
      'weight_hr_l0 2x4',
      'weight_ih_l0_reverse 16x3',
      'weight_hh_l0_reverse 16x2',
      'bias_ih_l0_reverse 16',
      'bias_hh_l0_reverse 16',
      'weight_hr_l0_reverse 2x4',
      'weight_ih_l1 16x4',
      'weight_hh_l1 16x2',
      'bias_ih_l1 16',
      'bias_hh_l1 16',
      'weight_hr_l1 2x4',
      'weight_ih_l1_reverse 16x4',
      'weight_hh_l1_reverse 16x2',
      'bias_ih_l1_reverse 16',
      'bias_hh_l1_reverse 16',
      'weight_hr_l1_reverse 2x4',
    ]);
    expect(lstm.allWeights.length).toBe(4);
    expect(new GRU(3, 5, { bias: false }).flatWeightNames).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(new GRU(3, 5).getParameter('weight_hh_l0').shape).toEqual([15, 5]);
    expect(new RNN(3, 5).getParameter('weight_ih_l0').shape).toEqual([5, 3]);
    expect(new LSTMCell(3, 5).namedParameters().map(([n]) => n)).toEqual([
      'weight_ih',
      'weight_hh',
      'bias_ih',
      'bias_hh',
    ]);
  });

  it('are initialised in U(−1/√H, 1/√H) from the seeded generator', () => {
    manualSeed(4);
    const gru = new GRU(8, 16, { numLayers: 2 });
    const bound = 1 / 4;
    for (const p of gru.parameters()) {
      const d = Array.from(p.dataSync());
      expect(Math.max(...d)).toBeLessThanOrEqual(bound);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-bound);
    }
    manualSeed(4);
    const data = (m: GRU) => Array.from(m.getParameter('weight_ih_l1').dataSync());
    expect(data(new GRU(8, 16, { numLayers: 2 }))).toEqual(data(gru));
  });

  it('reject bad options', () => {
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow(
      /projSize must be smaller than hiddenSize \(4\), got 4/,
    );
    expect(() => new GRU(3, 4, { projSize: 2 } as object)).toThrow(/only supported by LSTM/);
    expect(() => new GRU(3, 4, { dropout: 1.5 })).toThrow(/dropout must be a probability/);
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as 'relu' })).toThrow(/'tanh' or 'relu'/);
    expect(() => new LSTM(3, 0)).toThrow(ValueError);
    expect(() => new LSTM(3, 4, { numLayers: 0 })).toThrow(ValueError);
  });
});

describe('recurrent layers: shapes', () => {
  it("return PyTorch's output and state shapes", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    const [out, [h, c]] = lstm.forward(randn([5, 2, 3]));
    expect([out.shape, h.shape, c.shape]).toEqual([
      [5, 2, 4],
      [4, 2, 2],
      [4, 2, 4],
    ]);
    const gru = new GRU(3, 4, { batchFirst: true, bidirectional: true });
    const [o2, h2] = gru.forward(randn([2, 5, 3]));
    expect([o2.shape, h2.shape]).toEqual([
      [2, 5, 8],
      [2, 2, 4],
    ]);
    const rnn = new RNN(3, 4, { numLayers: 3 });
    const [o3, h3] = rnn.forward(randn([5, 3])); // unbatched
    expect([o3.shape, h3.shape]).toEqual([
      [5, 4],
      [3, 4],
    ]);
    const [o4, h4] = rnn.forward(randn([5, 3]), randn([3, 4]));
    expect([o4.shape, h4.shape]).toEqual([
      [5, 4],
      [3, 4],
    ]);
  });

  it('say what they expect when given wrong inputs or states', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2 });
    expect(() => lstm.forward(randn([5, 2, 2]))).toThrow(
      /expected input \[T, B, 3\] \(or unbatched \[T, 3\]\), got \[5, 2, 2\]/,
    );
    expect(() => lstm.forward(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])])).toThrow(
      /h0 must be \[2, 2, 4\]/,
    );
    expect(() => lstm.forward(randn([5, 2, 3]), [randn([2, 2, 4]), randn([2, 2, 3])])).toThrow(
      /c0 must be \[2, 2, 4\]/,
    );
    expect(() => lstm.forward(randn([5, 2, 3]), randn([2, 2, 4]) as unknown as [Tensor, Tensor])).toThrow(
      /pair \[h0, c0\]/,
    );
    expect(() => lstm.forward(randn([5, 2, 3]).double())).toThrow(DTypeError);
    expect(() => lstm.forward(randn([5, 2, 3]).double())).toThrow(
      /input is float64 but the parameters are float32/,
    );
    expect(() => lstm.forward(randn([0, 2, 3]))).toThrow(ShapeError);
    expect(() => new GRU(3, 4).forward(packSequence([randn([2, 2])]))).toThrow(
      /packed data must be \[sum\(batchSizes\), 3\]/,
    );
    expect(() => new GRUCell(3, 4).forward(randn([2, 3]), randn([3, 4]))).toThrow(
      /h must be \[2, 4\], got \[3, 4\]/,
    );
    expect(() => new LSTMCell(3, 4).forward(randn([2, 4]))).toThrow(/expected input \[B, 3\]/);
  });
});

describe('recurrent layers over packed batches', () => {
  const lengths = [3, 5, 2, 4];
  const seqs = (dtype: 'float32' | 'float64' = 'float64') =>
    lengths.map((l, b) => fixedRandom([l, 3], 40 + b).asType(dtype));

  for (const [name, make] of [
    [
      'LSTM (2 layers, bidirectional)',
      () => new LSTM(3, 4, { numLayers: 2, bidirectional: true, dtype: 'float64' }),
    ],
    ['LSTM with projection', () => new LSTM(3, 4, { bidirectional: true, projSize: 2, dtype: 'float64' })],
    [
      'GRU (2 layers, bidirectional)',
      () => new GRU(3, 4, { numLayers: 2, bidirectional: true, dtype: 'float64' }),
    ],
    [
      'RNN relu (bidirectional)',
      () => new RNN(3, 4, { bidirectional: true, nonlinearity: 'relu', dtype: 'float64' }),
    ],
  ] as const) {
    it(`${name}: a packed batch gives each sequence what it gets alone, states in the original order`, () => {
      const model = fill(make(), 1);
      const isLstm = model instanceof LSTM;
      const d = model.numDirections * model.numLayers;
      const hOut = model.projSize || model.hiddenSize;
      const h0 = fixedRandom([d, lengths.length, hOut], 2, 0.5);
      const c0 = fixedRandom([d, lengths.length, model.hiddenSize], 3, 0.5);
      const packed = packSequence(seqs());
      const [out, states] = isLstm
        ? (model as LSTM).forward(packed, [h0, c0])
        : (model as GRU).forward(packed, h0);
      const [padded, lens] = padPackedSequence(out);
      expect(lens).toEqual(lengths);
      const hN = isLstm ? (states as [Tensor, Tensor])[0] : (states as Tensor);
      seqs().forEach((s, b) => {
        const hb = h0.select(1, b);
        const [alone, st] = isLstm
          ? (model as LSTM).forward(s, [hb, c0.select(1, b)])
          : (model as GRU).forward(s, hb);
        const aloneH = isLstm ? (st as [Tensor, Tensor])[0] : (st as Tensor);
        const mine = padded.select(1, b).narrow(0, 0, lengths[b]);
        expect(maxRelDiff(mine.dataSync(), alone.dataSync())).toBeLessThan(1e-12);
        expect(maxRelDiff(hN.select(1, b).dataSync(), aloneH.dataSync())).toBeLessThan(1e-12);
        if (isLstm) {
          const cN = (states as [Tensor, Tensor])[1];
          expect(maxRelDiff(cN.select(1, b).dataSync(), (st as [Tensor, Tensor])[1].dataSync())).toBeLessThan(
            1e-12,
          );
        }
      });
    });
  }

  it('padded input equals packing with full lengths; batch-first gives the same numbers', () => {
    const gru = fill(new GRU(3, 4, { bidirectional: true, dtype: 'float64' }), 5);
    const x = fixedRandom([4, 2, 3], 6);
    const [a, ha] = gru.forward(x);
    const [b, hb] = gru.forward(packPaddedSequence(x, [4, 4]));
    expect(maxRelDiff(a.dataSync(), padPackedSequence(b)[0].dataSync())).toBe(0);
    expect(maxRelDiff(ha.dataSync(), hb.dataSync())).toBe(0);
    const gruBf = fill(new GRU(3, 4, { bidirectional: true, batchFirst: true, dtype: 'float64' }), 5);
    const [c] = gruBf.forward(x.transpose(0, 1));
    expect(maxRelDiff(c.transpose(0, 1).dataSync(), a.dataSync())).toBe(0);
  });

  it('pass float64 gradient checks: packed bidirectional LSTM and GRU with initial states', () => {
    const lens = [2, 3, 1];
    const xs = () => lens.map((l, b) => fixedRandom([l, 2], 60 + b).requiresGrad_());
    for (const model of [
      fill(new LSTM(2, 2, { numLayers: 2, bidirectional: true, dtype: 'float64' }), 7),
      fill(new GRU(2, 2, { numLayers: 2, bidirectional: true, dtype: 'float64' }), 8),
    ]) {
      const inputs = xs();
      const h0 = fixedRandom([4, 3, 2], 9, 0.5).requiresGrad_();
      const c0 = fixedRandom([4, 3, 2], 10, 0.5).requiresGrad_();
      const isLstm = model instanceof LSTM;
      const loss = () => {
        const packed = packPaddedSequence(padSequence(inputs), lens);
        if (isLstm) {
          const [out, [h, c]] = (model as LSTM).forward(packed, [h0, c0]);
          return weighted(out.data, 1).add(weighted(h, 2)).add(weighted(c, 3));
        }
        const [out, h] = (model as GRU).forward(packed, h0);
        return weighted(out.data, 1).add(weighted(h, 2));
      };
      const leaves = [...inputs, h0, ...(isLstm ? [c0] : []), ...model.parameters()];
      expect(gradcheckLeaves(leaves, loss)).toBeLessThan(1e-6);
    }
  });

  it('pass float64 gradient checks: RNN (tanh, batch-first) and LSTM with projection', () => {
    const rnn = fill(new RNN(2, 3, { batchFirst: true, dtype: 'float64' }), 11);
    const x = fixedRandom([2, 3, 2], 12).requiresGrad_();
    expect(gradcheckLeaves([x, ...rnn.parameters()], () => weighted(rnn.forward(x)[0], 4))).toBeLessThan(
      1e-6,
    );
    const lstm = fill(new LSTM(2, 3, { projSize: 2, bidirectional: true, dtype: 'float64' }), 13);
    const packed = () => packPaddedSequence(x, [3, 1], { batchFirst: true });
    expect(
      gradcheckLeaves([x, ...lstm.parameters()], () => {
        const [out, [h, c]] = lstm.forward(packed());
        return weighted(out.data, 5).add(weighted(h, 6)).add(weighted(c, 7));
      }),
    ).toBeLessThan(1e-6);
  });
});

describe('dropout between layers', () => {
  it('applies only in training mode, only between layers, from the seeded generator', () => {
    const x = randn([4, 2, 3]);
    const lstm = new LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const plain = new LSTM(3, 4, { numLayers: 2 });
    plain.loadStateDict(lstm.stateDict());
    manualSeed(5);
    const [a] = lstm.forward(x);
    manualSeed(5);
    const [b] = lstm.forward(x);
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(maxRelDiff(a.dataSync(), plain.forward(x)[0].dataSync())).toBeGreaterThan(1e-3);
    lstm.eval();
    expect(lstm.forward(x)[0].arraySync()).toEqual(plain.forward(x)[0].arraySync());
    // one layer: nothing to drop between
    const single = new GRU(3, 4, { dropout: 0.9 });
    const [s1] = single.forward(x);
    const [s2] = single.forward(x);
    expect(s1.arraySync()).toEqual(s2.arraySync());
  });
});

describe('cells', () => {
  it('take one step; unbatched input works; states default to zeros', () => {
    const cell = new LSTMCell(3, 4);
    const x = randn([2, 3]);
    const [h, c] = cell.forward(x);
    expect([h.shape, c.shape]).toEqual([
      [2, 4],
      [2, 4],
    ]);
    const [h1] = cell.forward(x.select(0, 1));
    expect(maxRelDiff(h1.dataSync(), h.select(0, 1).dataSync())).toBeLessThan(1e-6);
    const gru = new GRUCell(3, 4, { bias: false });
    expect(gru.forward(x, gru.forward(x)).shape).toEqual([2, 4]);
    expect(
      new RNNCell(3, 4, { nonlinearity: 'relu' })
        .forward(x)
        .dataSync()
        .every((v) => v >= 0),
    ).toBe(true);
  });

  it('a cell stepped through a sequence equals the layer', () => {
    const lstm = fill(new LSTM(3, 4, { dtype: 'float64' }), 20);
    const cell = new LSTMCell(3, 4, { dtype: 'float64' });
    cell.loadStateDict({
      weight_ih: lstm.getParameter('weight_ih_l0'),
      weight_hh: lstm.getParameter('weight_hh_l0'),
      bias_ih: lstm.getParameter('bias_ih_l0'),
      bias_hh: lstm.getParameter('bias_hh_l0'),
    });
    const x = fixedRandom([5, 2, 3], 21);
    const [out] = lstm.forward(x);
    let state: [Tensor, Tensor] | null = null;
    const hs: Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      state = cell.forward(x.select(0, t), state);
      hs.push(state[0]);
    }
    expect(maxRelDiff(stack(hs, 0).dataSync(), out.dataSync())).toBeLessThan(1e-12);
  });

  it('pass float64 gradient checks', () => {
    const x = fixedRandom([2, 3], 30).requiresGrad_();
    const h = fixedRandom([2, 2], 31, 0.5).requiresGrad_();
    const c = fixedRandom([2, 2], 32, 0.5).requiresGrad_();
    const lstm = fill(new LSTMCell(3, 2, { dtype: 'float64' }), 33);
    expect(
      gradcheckLeaves([x, h, c, ...lstm.parameters()], () => {
        const [h1, c1] = lstm.forward(x, [h, c]);
        return weighted(h1, 1).add(weighted(c1, 2));
      }),
    ).toBeLessThan(1e-6);
    for (const cell of [
      fill(new GRUCell(3, 2, { dtype: 'float64' }), 34),
      fill(new RNNCell(3, 2, { dtype: 'float64' }), 35),
    ]) {
      expect(
        gradcheckLeaves([x, h, ...cell.parameters()], () => weighted(cell.forward(x, h), 3)),
      ).toBeLessThan(1e-6);
    }
  });
});

describe('memory', () => {
  it('training steps in tidy leave the live tensor count flat (fused kernel workspace included)', () => {
    const lstm = new LSTM(3, 4, { bidirectional: true, numLayers: 2 });
    const x = randn([5, 3, 3]);
    const step = () =>
      tidy(() => {
        const [out, [h]] = lstm.forward(packPaddedSequence(x, [5, 2, 4]));
        cat([out.data.sum().reshape([1]), h.sum().reshape([1])])
          .sum()
          .backward();
        lstm.zeroGrad();
      });
    step();
    const before = memory();
    for (let i = 0; i < 3; i++) step();
    expect(memory().tensors).toBe(before.tensors);
    expect(memory().bytes).toBe(before.bytes);
  });
});
