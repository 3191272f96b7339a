import {
  DTypeError,
  type RnnMode,
  rnnLayer,
  rnnLayerOp,
  runFused,
  ShapeError,
  type Tensor,
  ValueError,
  withoutFusedKernels,
  zeros,
} from '@rnn/tensor';
import { gradcheck } from '@rnn/tensor/testing';
import { describe, expect, it } from 'vitest';
import { fixedRandom, maxRelDiff } from './helpers/gradcheck';

interface Case {
  mode: RnnMode;
  reverse: boolean;
  bias: boolean;
  proj: number;
}

const I = 3;
const H = 4;
const batchSizes = [3, 3, 2, 1]; // lengths 4, 3, 2 (sorted, uneven)
const N = batchSizes.reduce((a, b) => a + b, 0);
const B = batchSizes[0];

function makeInputs(c: Case, seed: number): Tensor[] {
  const g = c.mode === 'lstm' ? 4 : c.mode === 'gru' ? 3 : 1;
  const hOut = c.proj || H;
  const list = [fixedRandom([N, I], seed), fixedRandom([B, hOut], seed + 1, 0.5)];
  if (c.mode === 'lstm') list.push(fixedRandom([B, H], seed + 2, 0.5));
  list.push(fixedRandom([g * H, I], seed + 3, 0.6), fixedRandom([g * H, hOut], seed + 4, 0.6));
  if (c.bias) list.push(fixedRandom([g * H], seed + 5, 0.3), fixedRandom([g * H], seed + 6, 0.3));
  if (c.proj) list.push(fixedRandom([c.proj, H], seed + 7, 0.6));
  return list;
}

function run(c: Case, xs: Tensor[]) {
  let k = 0;
  const x = xs[k++];
  const h0 = xs[k++];
  const c0 = c.mode === 'lstm' ? xs[k++] : undefined;
  const wIh = xs[k++];
  const wHh = xs[k++];
  const bIh = c.bias ? xs[k++] : undefined;
  const bHh = c.bias ? xs[k++] : undefined;
  const wHr = c.proj ? xs[k++] : undefined;
  return rnnLayer({ x, h0, c0, wIh, wHh, bIh, bHh, wHr }, { mode: c.mode, batchSizes, reverse: c.reverse });
}

/** A scalar that depends on every output, with fixed weights. */
function loss(c: Case, xs: Tensor[]): Tensor {
  const { y, hN, cN } = run(c, xs);
  let l = y
    .mul(fixedRandom(y.shape, 101))
    .sum()
    .add(hN.mul(fixedRandom(hN.shape, 102)).sum());
  if (cN) l = l.add(cN.mul(fixedRandom(cN.shape, 103)).sum());
  return l;
}

const cases: Case[] = [];
for (const mode of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as RnnMode[]) {
  for (const reverse of [false, true]) {
    for (const bias of [true, false]) cases.push({ mode, reverse, bias, proj: 0 });
  }
}
cases.push(
  { mode: 'lstm', reverse: false, bias: true, proj: 2 },
  { mode: 'lstm', reverse: true, bias: true, proj: 2 },
);

const name = (c: Case) =>
  `${c.mode}${c.reverse ? ' reverse' : ''}${c.bias ? '' : ' no bias'}${c.proj ? ` proj ${c.proj}` : ''}`;

describe('rnnLayer: the CPU fused kernel agrees with the composite (float64)', () => {
  for (const c of cases) {
    it(`${name(c)}: outputs, workspace and every gradient`, () => {
      const attrs = { mode: c.mode, batchSizes, reverse: c.reverse, hasBias: c.bias, hasProj: c.proj > 0 };
      const xs = makeInputs(c, 7);
      const fused = runFused(rnnLayerOp, xs, attrs);
      const composite = withoutFusedKernels(() => runFused(rnnLayerOp, xs, attrs));
      expect(fused.length).toBe(composite.length);
      fused.forEach((t, i) => {
        expect(t.shape).toEqual(composite[i].shape);
        expect(maxRelDiff(t.dataSync(), composite[i].dataSync())).toBeLessThan(1e-12);
      });
      const grads = (fusedOn: boolean) => {
        const leaves = xs.map((x) => x.detach().requiresGrad_());
        const l = fusedOn ? loss(c, leaves) : withoutFusedKernels(() => loss(c, leaves));
        l.backward();
        return leaves.map((x) => x.grad!.dataSync());
      };
      const gf = grads(true);
      const gc = grads(false);
      gf.forEach((g, i) => {
        expect(maxRelDiff(g, gc[i])).toBeLessThan(1e-10);
      });
    });
  }
});

describe('rnnLayer: gradients match finite differences (float64, gradcheck of @rnn/tensor/testing)', () => {
  const outputs =
    (c: Case) =>
    (...xs: Tensor[]) => {
      const { y, hN, cN } = run(c, xs);
      return cN ? [y, hN, cN] : [y, hN];
    };
  const tol = { atol: 1e-6, rtol: 1e-5 };
  const picked = cases.filter((c) => c.bias || c.mode === 'gru');
  for (const c of picked) {
    it(`${name(c)} (fused kernel)`, async () => {
      const r = await gradcheck(outputs(c), makeInputs(c, 11), tol);
      expect(r.maxAbsError).toBeLessThan(1e-6);
    });
  }
  it('lstm reverse (composite)', async () => {
    const c: Case = { mode: 'lstm', reverse: true, bias: true, proj: 0 };
    const fn = outputs(c);
    const r = await gradcheck((...xs) => withoutFusedKernels(() => fn(...xs)), makeInputs(c, 13), tol);
    expect(r.maxAbsError).toBeLessThan(1e-6);
  });
});

describe('rnnLayer: semantics', () => {
  it('hN holds each sequence at its true last step; reverse ends at the first element', () => {
    const c: Case = { mode: 'gru', reverse: false, bias: true, proj: 0 };
    const xs = makeInputs(c, 3);
    const fwd = run(c, xs);
    const y = fwd.y.arraySync() as number[][];
    // lengths 4, 3, 2: last steps at rows 3+3+2+0 = 8, 3+3+1 = 7, 3+2 = 5
    expect((fwd.hN.arraySync() as number[][])[0]).toEqual(y[8]);
    expect((fwd.hN.arraySync() as number[][])[1]).toEqual(y[7]);
    expect((fwd.hN.arraySync() as number[][])[2]).toEqual(y[5]);
    const rev = run({ ...c, reverse: true }, xs);
    const yr = rev.y.arraySync() as number[][];
    expect(rev.hN.arraySync()).toEqual([yr[0], yr[1], yr[2]]);
  });

  it('rejects bad batch sizes, shapes and dtypes with errors that say what is expected', () => {
    const c: Case = { mode: 'lstm', reverse: false, bias: true, proj: 0 };
    const [x, h0, c0, wIh, wHh, bIh, bHh] = makeInputs(c, 5);
    const ok = { x, h0, c0, wIh, wHh, bIh, bHh };
    expect(() => rnnLayer(ok, { mode: 'lstm', batchSizes: [1, 3, 3, 2] })).toThrow(ValueError);
    expect(() => rnnLayer(ok, { mode: 'lstm', batchSizes: [] })).toThrow(/non-empty/);
    expect(() => rnnLayer(ok, { mode: 'lstm', batchSizes: [3, 3, 2] })).toThrow(/sum\(batchSizes\)/);
    expect(() => rnnLayer({ ...ok, c0: undefined }, { mode: 'lstm', batchSizes })).toThrow(/c0/);
    expect(() => rnnLayer({ ...ok, bHh: undefined }, { mode: 'lstm', batchSizes })).toThrow(/both biases/);
    expect(() =>
      rnnLayer({ ...ok, h0: zeros([2, H], { dtype: 'float64' }) }, { mode: 'lstm', batchSizes }),
    ).toThrow(ShapeError);
    expect(() => rnnLayer({ ...ok, wHh: wHh.float() }, { mode: 'lstm', batchSizes })).toThrow(DTypeError);
    expect(() => rnnLayer(ok, { mode: 'gru', batchSizes })).toThrow(ShapeError);
    expect(() => rnnLayer(ok, { mode: 'lstmx' as RnnMode, batchSizes })).toThrow(/mode must be/);
  });

  it('float32 fused and composite agree closely', () => {
    const c: Case = { mode: 'lstm', reverse: true, bias: true, proj: 0 };
    const xs = makeInputs(c, 9).map((t) => t.float());
    const a = run(c, xs);
    const b = withoutFusedKernels(() => run(c, xs));
    expect(maxRelDiff(a.y.dataSync(), b.y.dataSync())).toBeLessThan(1e-5);
    expect(maxRelDiff(a.cN!.dataSync(), b.cN!.dataSync())).toBeLessThan(1e-5);
  });
});
