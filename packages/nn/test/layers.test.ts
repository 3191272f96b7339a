import { DTypeError, manualSeed, noGrad, randn, ShapeError, tensor, ValueError, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout, Embedding, LayerNorm, Linear, type Module, ModuleDict } from '../src/index';
import { fixedRandom, gradcheckLeaves } from './helpers/gradcheck';

const weighted = (y: ReturnType<typeof randn>, seed = 99) => y.mul(fixedRandom(y.shape, seed)).sum();
const params = (m: Module) => m.parameters();

describe('Linear', () => {
  it('maps [..., in] to [..., out] with weight [out, in] and bias [out], initialised in U(-1/√in, 1/√in)', () => {
    manualSeed(0);
    const lin = new Linear(16, 8);
    expect(lin.weight.shape).toEqual([8, 16]);
    expect(lin.bias!.shape).toEqual([8]);
    const bound = 1 / Math.sqrt(16);
    for (const p of params(lin)) {
      const d = p.dataSync();
      expect(Math.max(...d)).toBeLessThanOrEqual(bound);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...d)).toBeGreaterThan(bound * 0.5);
    }
    expect(lin.forward(randn([2, 3, 16])).shape).toEqual([2, 3, 8]);
    expect(new Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(new Linear(3, 2, { bias: false }).numParameters()).toBe(6);
  });

  it('computes x Wᵀ + b', () => {
    const lin = new Linear(2, 1);
    lin.loadStateDict({ weight: tensor([[2, 3]]), bias: tensor([1]) });
    expect(lin.forward(tensor([[1, 1]])).arraySync()).toEqual([[6]]);
  });

  it('passes a float64 gradient check', () => {
    const lin = new Linear(3, 2, { dtype: 'float64' });
    const x = fixedRandom([4, 3], 1).requiresGrad_();
    expect(gradcheckLeaves([x, ...params(lin)], () => weighted(lin.forward(x)))).toBeLessThan(1e-7);
  });

  it('rejects inputs of the wrong size and bad sizes', () => {
    expect(() => new Linear(3, 2).forward(zeros([4, 2]))).toThrow(
      /expected input \[\.\.\., 3\], got \[4, 2\]/,
    );
    expect(() => new Linear(3.5, 2)).toThrow(ValueError);
    expect(() => new Linear(3, 2, { dtype: 'int32' })).toThrow(DTypeError);
  });
});

describe('Embedding', () => {
  it('looks up rows for int32 indices of any shape; N(0, 1) init with a zero padding row', () => {
    manualSeed(1);
    const emb = new Embedding(200, 8, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(199);
    const w = emb.weight.arraySync() as number[][];
    expect(w[199]).toEqual(new Array(8).fill(0));
    const flat = w.slice(0, 199).flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    const sd = Math.sqrt(flat.reduce((a, b) => a + (b - mean) ** 2, 0) / flat.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    const y = emb.forward(tensor([[3, 199, 4]], { dtype: 'int32' }));
    expect(y.shape).toEqual([1, 3, 8]);
    expect((y.arraySync() as number[][][])[0][0]).toEqual(w[3]);
  });

  it('gives the padding row no gradient and passes a float64 gradient check', () => {
    const emb = new Embedding(5, 3, { paddingIdx: 2, dtype: 'float64' });
    noGrad(() => emb.weight.assign(fixedRandom([5, 3], 4))); // a non-zero padding row too
    // the padding row's gradient is zero by design, so the finite-difference check skips it
    const noPad = tensor([0, 3, 3, 4, 0], { dtype: 'int32' });
    expect(gradcheckLeaves([emb.weight], () => weighted(emb.forward(noPad)))).toBeLessThan(1e-7);
    emb.zeroGrad();
    const idx = tensor([0, 2, 2, 4, 0], { dtype: 'int32' });
    weighted(emb.forward(idx)).backward();
    const g = emb.weight.grad!.arraySync() as number[][];
    expect(g[2]).toEqual([0, 0, 0]);
    expect(g[0].some((v) => v !== 0)).toBe(true);
    expect(g[1]).toEqual([0, 0, 0]);
  });

  it('fromPretrained shares the given weights, frozen unless freeze: false', () => {
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const frozen = Embedding.fromPretrained(w);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.forward(tensor([1], { dtype: 'int32' })).arraySync()).toEqual([[3, 4]]);
    const trainable = Embedding.fromPretrained(w, { freeze: false, paddingIdx: 0 });
    expect(trainable.weight.requiresGrad).toBe(true);
    expect(trainable.weight.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]); // the padding row is kept as given
    trainable
      .forward(tensor([0, 1], { dtype: 'int32' }))
      .sum()
      .backward();
    expect(trainable.weight.grad!.arraySync()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(() => Embedding.fromPretrained(tensor([1, 2]))).toThrow(ShapeError);
  });

  it('maxNorm rescales only the rows it looks up', () => {
    const emb = Embedding.fromPretrained(
      tensor([
        [3, 4],
        [6, 8],
        [0.3, 0.4],
      ]),
      { maxNorm: 1 },
    );
    emb.forward(tensor([1, 2], { dtype: 'int32' }));
    const w = emb.weight.arraySync() as number[][];
    expect(w[0]).toEqual([3, 4]);
    expect(w[1][0]).toBeCloseTo(0.6, 6);
    expect(w[1][1]).toBeCloseTo(0.8, 6);
    expect(w[2][0]).toBeCloseTo(0.3, 7);
  });

  it('rejects float indices, out-of-range indices and bad options', () => {
    const emb = new Embedding(4, 2);
    expect(() => emb.forward(tensor([1, 2]))).toThrow(/indices must be an int32 tensor, got float32/);
    expect(() => emb.forward(tensor([4], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(
      /paddingIdx must be an integer in \[-4, 4\), got 4/,
    );
    expect(() => new Embedding(4, 2, { maxNorm: 0 })).toThrow(ValueError);
    expect(() => new Embedding(0, 2)).toThrow(ValueError);
  });
});

describe('Dropout', () => {
  it('drops and rescales in training mode, is the identity in eval mode', () => {
    manualSeed(2);
    const d = new Dropout(0.5);
    const y = d.forward(zeros([1000]).add(1)).dataSync();
    const kept = Array.from(y).filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.length).toBeLessThan(600);
    d.eval();
    const x = randn([10]);
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });
});

describe('LayerNorm', () => {
  it('normalises over the trailing shape (mean 0, variance 1) with learnable scale and shift', () => {
    const ln = new LayerNorm(4);
    const y = ln.forward(randn([3, 4]).mul(5).add(2)).arraySync() as number[][];
    for (const row of y) {
      const m = row.reduce((a, b) => a + b, 0) / 4;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(Math.abs(v - 1)).toBeLessThan(1e-3);
    }
    expect(ln.weight!.arraySync()).toEqual([1, 1, 1, 1]);
    expect(ln.bias!.arraySync()).toEqual([0, 0, 0, 0]);
    expect(new LayerNorm([2, 3], { elementwiseAffine: false }).numParameters()).toBe(0);
    expect(new LayerNorm(3, { bias: false }).bias).toBeNull();
  });

  it('passes a float64 gradient check', () => {
    const ln = new LayerNorm([2, 3], { dtype: 'float64' });
    noGrad(() => {
      ln.weight!.assign(fixedRandom([2, 3], 5));
      ln.bias!.assign(fixedRandom([2, 3], 6));
    });
    const x = fixedRandom([2, 2, 3], 7).requiresGrad_();
    expect(gradcheckLeaves([x, ...params(ln)], () => weighted(ln.forward(x)))).toBeLessThan(1e-6);
  });

  it('rejects inputs whose trailing shape differs', () => {
    expect(() => new LayerNorm([2, 3]).forward(zeros([4, 3, 2]))).toThrow(
      /expected input \[\.\.\., 2, 3\], got \[4, 3, 2\]/,
    );
    expect(() => new LayerNorm([])).toThrow(ValueError);
  });
});

describe('ModuleDict', () => {
  it('keeps insertion order and rejects dotted keys', () => {
    const d = new ModuleDict({ b: new Linear(1, 1), a: new Linear(1, 1) });
    expect(d.keys()).toEqual(['b', 'a']);
    expect(Object.keys(d.stateDict())).toEqual(['b.weight', 'b.bias', 'a.weight', 'a.bias']);
    expect(() => d.set('x.y', new Linear(1, 1))).toThrow(/without dots/);
    expect(d.delete('b')).toBe(true);
    expect(d.size).toBe(1);
  });
});
