import { DTypeError, Generator, keep, memory, tensor, ValueError, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  kaimingNormal_,
  kaimingUniform_,
  normal_,
  ones_,
  orthogonal_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from '../src/index';
import { orthogonalFromNormal } from '../src/init';
import { expectClose, fixture } from './training-fixtures';

const param = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  keep(zeros(shape, { dtype })).requiresGrad_();

describe('init: PyTorch parity', () => {
  it('calculateGain', () => {
    for (const g of fixture.init.gains) {
      expectClose([calculateGain(g.nonlinearity, g.param ?? undefined)], [g.gain], g.nonlinearity, 1e-15);
    }
    expect(() => calculateGain('softplus' as 'relu')).toThrow(ValueError);
  });

  it('fan-in and fan-out', () => {
    for (const f of fixture.init.fans) {
      expect(calculateFanInAndFanOut(f.shape)).toEqual({ fanIn: f.fanIn, fanOut: f.fanOut });
    }
    expect(() => calculateFanInAndFanOut([5])).toThrow(/fewer than 2 dimensions/);
  });

  it('xavier and kaiming draw from the bounds and standard deviations PyTorch uses', () => {
    const fromMode = (m?: string) => (m === 'fan_out' ? 'fanOut' : m === undefined ? undefined : 'fanIn');
    for (const b of fixture.init.bounds) {
      const o = b.options;
      const u = param(b.shape);
      const ref = param(b.shape);
      const n = param(b.shape);
      const refN = param(b.shape);
      if (b.init === 'kaiming') {
        const opts = { a: o.a, mode: fromMode(o.mode), nonlinearity: o.nonlinearity } as const;
        kaimingUniform_(u, { ...opts, generator: new Generator(5) });
        kaimingNormal_(n, { ...opts, generator: new Generator(6) });
      } else {
        xavierUniform_(u, { gain: o.gain, generator: new Generator(5) });
        xavierNormal_(n, { gain: o.gain, generator: new Generator(6) });
      }
      uniform_(ref, { a: -b.bound, b: b.bound, generator: new Generator(5) });
      normal_(refN, { std: b.std, generator: new Generator(6) });
      expectClose(u.dataSync(), ref.dataSync(), `${b.init} uniform ${JSON.stringify(o)}`, 1e-14);
      expectClose(n.dataSync(), refN.dataSync(), `${b.init} normal ${JSON.stringify(o)}`, 1e-14);
      for (const v of u.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(b.bound);
    }
  });

  it('orthogonal: the Q of PyTorch (QR with sign correction) for the same normal draws', () => {
    for (const o of fixture.init.orthogonal) {
      const q = orthogonalFromNormal(Float64Array.from(o.normal), o.rows, o.cols);
      expectClose(q, o.q, `orthogonal ${o.rows}x${o.cols}`, 1e-10, 1e-12);
    }
  });
});

describe('init', () => {
  it('orthogonal_ gives orthonormal rows or columns, scaled by gain, for any shape', () => {
    for (const shape of [
      [6, 4],
      [3, 8],
      [4, 2, 3],
    ]) {
      const t = orthogonal_(param(shape), { gain: 2, generator: new Generator(1) });
      const rows = shape[0];
      const cols = t.size / rows;
      const m = t.reshape([rows, cols]);
      const gram = rows >= cols ? m.t().matmul(m) : m.matmul(m.t());
      const k = Math.min(rows, cols);
      const eye = Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 4 : 0));
      expectClose(gram.dataSync(), eye, `orthogonal ${shape}`, 1e-12, 1e-12);
    }
  });

  it('is reproducible with a seeded generator and writes in place without recording gradients', () => {
    const a = param([3, 4], 'float32');
    const b = param([3, 4], 'float32');
    const before = memory().tensors;
    kaimingUniform_(a, { generator: new Generator(42) });
    kaimingUniform_(b, { generator: new Generator(42) });
    expect(memory().tensors).toBe(before);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(a.isLeaf).toBe(true);
    expect(a.requiresGrad).toBe(true);
    expect(a.dtype).toBe('float32');
    const gen = new Generator(42);
    normal_(a, { generator: gen });
    normal_(b, { generator: gen });
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
  });

  it('uniform_ and normal_ have the requested moments', () => {
    const u = uniform_(param([20000]), { a: -2, b: 4, generator: new Generator(3) });
    const d = u.dataSync();
    expect(Math.min(...d)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...d)).toBeLessThan(4);
    expect(u.mean().itemSync()).toBeCloseTo(1, 1);
    const n = normal_(param([20000]), { mean: 3, std: 0.5, generator: new Generator(4) });
    expect(n.mean().itemSync()).toBeCloseTo(3, 1);
    expect(Math.sqrt(n.sub(3).square().mean().itemSync())).toBeCloseTo(0.5, 1);
  });

  it('constant_, zeros_, ones_', () => {
    const t = param([2, 2]);
    expect(Array.from(constant_(t, 0.5).dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(ones_(t).dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(zeros_(t).dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('rejects what it cannot initialise', () => {
    expect(() => uniform_(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => orthogonal_(param([4]))).toThrow(ValueError);
    expect(() => xavierUniform_(param([4]))).toThrow(ValueError);
    expect(() => kaimingNormal_(param([2, 2]), { mode: 'fan_in' as 'fanIn' })).toThrow(ValueError);
    expect(() => uniform_(param([2]), { a: 1, b: 0 })).toThrow(ValueError);
  });
});
