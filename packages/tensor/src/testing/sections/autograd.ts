import { describe, expect, it } from 'vitest';
import { noGrad } from '../../autograd/grad-mode';
import { AutogradError, BackendError } from '../../errors';
import { memory } from '../../memory/memory';
import { scope, tidy } from '../../memory/scope';
import { tensor } from '../../ops/creation';
import type { Tensor } from '../../tensor';
import type { SuiteContext } from '../context';
import { expectClose } from '../expect-close';

const values = async (t: Tensor | null) => {
  if (!t) throw new Error('expected a gradient, got null');
  return Array.from(await t.data());
};

/** Registers the autograd basics, run on tensors of the backend under test. */
export function describeAutograd(ctx: SuiteContext): void {
  describe('autograd basics', () => {
    const leaf = (data: number[]) => tensor(data, { backend: ctx.backend, requiresGrad: true });

    it('gradients accumulate across two backward calls', () =>
      scope(async () => {
        const x = leaf([1, -2, 3]);
        x.mul(x).sum().backward();
        expectClose(await values(x.grad), [2, -4, 6]);
        x.mul(3).sum().backward();
        expectClose(await values(x.grad), [5, -1, 9]);
        x.grad?.dispose();
      }));

    it('a tensor used many times, and rows picked many times, sum their gradients (in place where the backend can)', () =>
      scope(async () => {
        const x = leaf([1, -2, 3, 0.5]);
        // five uses of x: the engine's running sum is written in place from the third on
        const y = x.mul(2).add(x.mul(x)).add(x.tanh()).add(x).add(x.mul(-3)).sum();
        // rows of w picked by indexSelect and slices: their gradients scatter into one sum
        const w = tensor(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          { backend: ctx.backend, requiresGrad: true },
        );
        const idx = tensor([2, 0, 2], { backend: ctx.backend, dtype: 'int32' });
        const z = w
          .indexSelect(0, idx)
          .sum()
          .add(w.narrow(0, 1, 2).mul(3).sum())
          .add(w.indexSelect(0, idx).sum());
        y.add(z).backward();
        const xs = [1, -2, 3, 0.5];
        const dx = xs.map((v) => 2 + 2 * v + (1 - Math.tanh(v) ** 2) + 1 - 3);
        expectClose(await values(x.grad), dx, { rtol: 1e-5, atol: 1e-6 });
        expectClose(await values(w.grad), [2, 2, 3, 3, 7, 7], { rtol: 1e-6 });
        x.grad?.dispose();
        w.grad?.dispose();
      }));

    it('retainGraph allows a second backward through the same graph', () =>
      scope(async () => {
        const x = leaf([0.5, -1]);
        const y = x.tanh().mul(x).sum();
        y.backward(undefined, { retainGraph: true });
        const first = await values(x.grad);
        y.backward();
        expectClose(
          await values(x.grad),
          first.map((v) => 2 * v),
          { rtol: 1e-6 },
        );
        x.grad?.dispose();
      }));

    it('a second backward without retainGraph throws an AutogradError', () =>
      scope(async () => {
        const x = leaf([1, 2]);
        const y = x.mul(x).sum();
        y.backward();
        expect(() => y.backward()).toThrow(AutogradError);
        x.grad?.dispose();
      }));

    it('detach cuts the graph and keeps the values', () =>
      scope(async () => {
        const x = leaf([1, 2, 3]);
        const y = x.mul(2);
        const z = y.detach();
        expect(z.requiresGrad).toBe(false);
        expect(z.isLeaf).toBe(true);
        expect(await values(z)).toEqual(await values(y));
        z.mul(x).sum().backward();
        expectClose(await values(x.grad), [2, 4, 6]); // only through x, not through z
        x.grad?.dispose();
      }));

    it('noGrad records nothing, across await too', () =>
      scope(async () => {
        const x = leaf([1, 2]);
        const y = noGrad(() => x.mul(2).exp());
        expect(y.requiresGrad).toBe(false);
        expect(y.gradFn).toBeNull();
        const z = await noGrad(async () => {
          await x.data();
          return x.add(1);
        });
        expect(z.requiresGrad).toBe(false);
        expect(x.add(1).requiresGrad).toBe(true);
        expect(() => y.sum().backward()).toThrow(AutogradError);
      }));

    it('backward with an explicit gradient; a non-scalar output needs one', () =>
      scope(async () => {
        const x = tensor(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          { backend: ctx.backend, requiresGrad: true },
        );
        const y = x.mul(x);
        expect(() => y.backward()).toThrow(AutogradError);
        const g = tensor(
          [
            [1, 0, -1],
            [0.5, 2, 1],
          ],
          { backend: ctx.backend },
        );
        y.backward(g);
        expectClose(await values(x.grad), [2, 0, -6, 4, 20, 12]);
        x.grad?.dispose();
      }));

    it('a training step inside tidy leaves the live tensors and buffers unchanged', () => {
      const w = tensor(
        [
          [0.5, -0.25],
          [1, 0.75],
        ],
        { backend: ctx.backend, requiresGrad: true },
      );
      const x = tensor([1, 2, 3, 4, 5, 6], { backend: ctx.backend, shape: [3, 2] });
      const step = () =>
        tidy(() => {
          const loss = x.matmul(w).tanh().logSoftmax(1).mean();
          loss.backward();
          // no await between the two counts: a GC finalizer cannot run in between
        });
      try {
        step();
        const before = snapshot(ctx);
        step();
        step();
        expect(snapshot(ctx)).toEqual(before);
      } finally {
        w.grad?.dispose();
        for (const t of [w, x]) t.dispose();
      }
    });

    // The backward of `to` moves the gradient with a synchronous read of the backend it comes from.
    // Where that is the CPU (loss computed on the CPU), any backend works; the other direction needs
    // `readSync` on the backend under test, and without it must fail with a typed error, not hang.
    it('gradients flow back across backends (toAsync to the CPU and back)', () =>
      scope(async () => {
        const x = leaf([0.5, 1.5, -1]);
        const onCpu = await x.mul(2).toAsync(ctx.cpu);
        onCpu.exp().sum().backward();
        expect(x.grad?.backend).toBe(ctx.backend);
        expectClose(
          await values(x.grad),
          [0.5, 1.5, -1].map((v) => 2 * Math.exp(2 * v)),
          { rtol: 1e-5 },
        );
        x.grad?.dispose();
        x.grad = null;

        const back = await (await x.mul(2).toAsync(ctx.cpu)).exp().toAsync(ctx.backend);
        if (ctx.backend === ctx.cpu) return;
        if (ctx.backend.readSync) {
          back.sum().backward();
          const g = x.grad as Tensor | null;
          expectClose(
            await values(g),
            [0.5, 1.5, -1].map((v) => 2 * Math.exp(2 * v)),
            { rtol: 1e-5 },
          );
          g?.dispose();
        } else {
          expect(() => back.sum().backward()).toThrow(BackendError);
        }
      }));
  });
}

function snapshot(ctx: SuiteContext) {
  const m = memory().backends[ctx.backend.name];
  return { tensors: m?.tensors, bytes: m?.bytes, buffers: ctx.backend.memory().buffers };
}
