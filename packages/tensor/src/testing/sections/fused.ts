import { describe, expect, it } from 'vitest';
import { noGrad } from '../../autograd/grad-mode';
import type { DType } from '../../dtype';
import { scope } from '../../memory/scope';
import { sigmoidGrad, tanhGrad } from '../../ops/activation-grad';
import { tensor } from '../../ops/creation';
import { lstmCell, softmaxCrossEntropy, withoutFusedKernels } from '../../ops/fused';
import { layerNorm } from '../../ops/layer-norm';
import { sumOfSquares } from '../../ops/sum-of-squares';
import type { Tensor } from '../../tensor';
import { RNN_LAYER_CASES } from '../cases';
import type { SuiteContext } from '../context';
import { expectClose } from '../expect-close';
import { HostRng, type InputSpec, makeTensor, spec } from '../host';
import { OPTIMIZER_CASES } from '../optimizer-cases';
import { toleranceFor } from '../tolerance';

/** @internal A check of one fused kernel against its composite. */
export interface FusedCase {
  /** Name of the fused op (the key in `Backend.fused`). */
  op: string;
  name: string;
  inputs: (r: HostRng) => InputSpec[];
  run: (xs: Tensor[]) => Tensor[];
  /** False for ops without gradients (optimizer updates): only the forward is compared. */
  differentiable?: boolean;
}

/** Fused ops the suite knows; a backend kernel of any other name fails the coverage check. */
const FUSED_CASES: readonly FusedCase[] = [
  {
    op: 'softmaxCrossEntropy',
    name: 'softmaxCrossEntropy',
    inputs: (r) => [spec.float([5, 7], r.uniform(35, -4, 4)), spec.int([5], r.ints(5, 0, 7))],
    run: ([logits, target]) => [softmaxCrossEntropy(logits, target)],
  },
  {
    op: 'softmaxCrossEntropy',
    name: 'softmaxCrossEntropy with large logits',
    inputs: (r) => [
      spec.float(
        [3, 4],
        r.uniform(12, -1, 1).map((v) => v * 1000),
      ),
      spec.int([3], [0, 3, 1]),
    ],
    run: ([logits, target]) => [softmaxCrossEntropy(logits, target)],
  },
  {
    op: 'lstmCell',
    name: 'lstmCell (gradients of h and c)',
    inputs: (r) => [spec.float([3, 20], r.uniform(60, -3, 3)), spec.float([3, 5], r.uniform(15, -2, 2))],
    run: ([gates, c]) => lstmCell(gates, c),
  },
  {
    op: 'lstmCell',
    name: 'lstmCell (gradient of h only)',
    inputs: (r) => [spec.float([2, 8], r.uniform(16, -3, 3)), spec.float([2, 2], r.uniform(4, -2, 2))],
    run: ([gates, c]) => [lstmCell(gates, c)[0]],
  },
  {
    op: 'lstmCell',
    name: 'lstmCell (gradient of c only)',
    inputs: (r) => [spec.float([2, 8], r.uniform(16, -3, 3)), spec.float([2, 2], r.uniform(4, -2, 2))],
    run: ([gates, c]) => [lstmCell(gates, c)[1]],
  },
  {
    op: 'layerNorm',
    name: 'layerNorm over the last dimension, weight and bias',
    inputs: (r) => [
      spec.float([3, 2, 5], r.uniform(30, -3, 3)),
      spec.float([5], r.uniform(5, 0.5, 1.5)),
      spec.float([5], r.uniform(5, -1, 1)),
    ],
    run: ([x, w, b]) => [layerNorm(x, [5], { weight: w, bias: b })],
  },
  {
    op: 'layerNorm',
    name: 'layerNorm over two dimensions, weight only, eps 1e-3',
    inputs: (r) => [spec.float([4, 3, 4], r.uniform(48, -2, 4)), spec.float([3, 4], r.uniform(12, 0.5, 1.5))],
    run: ([x, w]) => [layerNorm(x, [3, 4], { weight: w, eps: 1e-3 })],
  },
  {
    op: 'layerNorm',
    name: 'layerNorm without affine, one row of a large offset',
    inputs: (r) => [
      spec.float(
        [2, 7],
        r.uniform(14, -1, 1).map((v, i) => (i < 7 ? v + 100 : v)),
      ),
    ],
    run: ([x]) => [layerNorm(x, [7])],
  },
  {
    op: 'tanhGrad',
    name: 'tanhGrad (a gradient of tanh from its output)',
    inputs: (r) => [
      spec.float([3, 700], r.uniform(2100, -1, 1)),
      spec.float([3, 700], r.uniform(2100, -2, 2)),
    ],
    run: ([y, g]) => [tanhGrad(y, g)],
    differentiable: false,
  },
  {
    op: 'sumOfSquares',
    name: 'sumOfSquares (several tensors of odd sizes, one of them 0-d)',
    inputs: (r) => [
      spec.float([3, 701], r.uniform(2103, -2, 2)),
      spec.float([5], r.uniform(5, -2, 2)),
      spec.float([], r.uniform(1, -2, 2)),
    ],
    run: (xs) => [sumOfSquares(xs)],
    differentiable: true,
  },
  {
    op: 'sigmoidGrad',
    name: 'sigmoidGrad (a gradient of sigmoid from its output)',
    inputs: (r) => [spec.float([5, 3], r.uniform(15, 0, 1)), spec.float([5, 3], r.uniform(15, -2, 2))],
    run: ([y, g]) => [sigmoidGrad(y, g)],
    differentiable: false,
  },
  {
    op: 'sigmoidGrad',
    name: 'sigmoidGrad over more elements than a native call needs',
    inputs: (r) => [spec.float([2100], r.uniform(2100, 0, 1)), spec.float([2100], r.uniform(2100, -2, 2))],
    run: ([y, g]) => [sigmoidGrad(y, g)],
    differentiable: false,
  },
  ...OPTIMIZER_CASES,
  ...RNN_LAYER_CASES.map((c) => ({
    op: 'rnnLayer',
    name: c.name,
    inputs: c.inputs,
    run: (xs: Tensor[]) => c.fn(xs, { backend: xs[0].backend, float: xs[0].dtype }) as Tensor[],
  })),
];

interface Run {
  outs: { dtype: DType; shape: number[]; data: number[] }[];
  grads: (number[] | null)[];
}

/**
 * Registers the check of every fused kernel against its composite: forward without autograd (the
 * kernel's forward), then forward + backward (the kernel's backward where it has one).
 */
export function describeFused(ctx: SuiteContext): void {
  const cases: FusedCase[] = [
    ...FUSED_CASES,
    ...(ctx.options.fusedCases ?? []).map((c) => ({
      ...c,
      inputs: (r: HostRng) =>
        c
          .inputs((n, lo, hi) => r.uniform(n, lo, hi))
          .map((i) =>
            !i.dtype || i.dtype === 'float' ? spec.float(i.shape, i.data) : spec.of(i.dtype, i.shape, i.data),
          ),
    })),
  ];
  describe('fused kernels against their composites', () => {
    it('every fused kernel of the backend is covered by the suite', () => {
      const known = new Set(cases.map((c) => c.op));
      const unknown = Object.keys(ctx.backend.fused ?? {}).filter((k) => !known.has(k));
      expect(unknown, 'fused kernels without a conformance case (add one to the suite)').toEqual([]);
    });

    for (const c of cases) {
      ctx.itEach(
        `${c.name}: fused forward and backward equal the composite`,
        ['float32', 'float64'],
        async (dtype) => {
          const specs = c.inputs(HostRng.fromName(c.name));
          const weights = HostRng.fromName(`${c.name} weights`);
          const w = Array.from({ length: 8 }, () => weights.awayFromZero(64, 0.5, 1.5));
          const fused = await runFusedCase(ctx, c, specs, dtype, w, false);
          const composite = await runFusedCase(ctx, c, specs, dtype, w, true);
          const tol = toleranceFor(dtype, ctx.tol);
          const phases: [string, Run, Run][] = [['no grad', fused.noGrad, composite.noGrad]];
          if (c.differentiable !== false) phases.push(['with grad', fused.withGrad, composite.withGrad]);
          for (const [phase, f, k] of phases) {
            expect(f.outs.length).toBe(k.outs.length);
            f.outs.forEach((o, i) => {
              expect(o.dtype).toBe(k.outs[i].dtype);
              expect(o.shape).toEqual(k.outs[i].shape);
              expectClose(o.data, k.outs[i].data, { ...tol, label: `${c.name} ${phase}: output ${i}` });
            });
          }
          if (c.differentiable === false) return;
          fused.withGrad.grads.forEach((g, i) => {
            const want = composite.withGrad.grads[i];
            expect(g === null, `gradient ${i} presence`).toBe(want === null);
            if (g && want) expectClose(g, want, { ...tol, label: `${c.name}: gradient of input ${i}` });
          });
        },
      );
    }
  });
}

async function runFusedCase(
  ctx: SuiteContext,
  c: FusedCase,
  specs: InputSpec[],
  dtype: DType,
  w: number[][],
  composite: boolean,
): Promise<{ noGrad: Run; withGrad: Run }> {
  const maybe = <T>(fn: () => T): T => (composite ? withoutFusedKernels(fn) : fn());
  const read = async (ts: Tensor[]) =>
    Promise.all(
      ts.map(async (t) => ({ dtype: t.dtype, shape: [...t.shape], data: Array.from(await t.data()) })),
    );
  return scope(async () => {
    const xs = specs.map((s) => makeTensor(s, ctx.backend, dtype));
    const plain: Run = { outs: await read(noGrad(() => maybe(() => c.run(xs)))), grads: [] };
    if (c.differentiable === false) return { noGrad: plain, withGrad: plain };
    const leaves = specs.map((s) => makeTensor(s, ctx.backend, dtype));
    leaves.forEach((t) => {
      if (t.dtype === dtype) t.requiresGrad = true;
    });
    const outs = maybe(() => c.run(leaves));
    outs
      .map((o, i) =>
        o.mul(tensor(w[i].slice(0, o.size), { shape: o.shape, dtype: o.dtype, backend: o.backend })).sum(),
      )
      .reduce((a, b) => a.add(b))
      .backward();
    const grads: (number[] | null)[] = [];
    for (const t of leaves) {
      grads.push(t.grad ? Array.from(await t.grad.data()) : null);
      t.grad?.dispose();
    }
    return { noGrad: plain, withGrad: { outs: await read(outs), grads } };
  });
}
