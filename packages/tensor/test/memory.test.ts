import { describe, expect, it } from 'vitest';
import {
  DisposedError,
  keep,
  manualSeed,
  memory,
  noGrad,
  rand,
  randint,
  randn,
  scope,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index';

/** A small regression MLP and one optimisation step; returns the loss. */
function setup() {
  manualSeed(7);
  const param = (shape: number[]) => keep(randn(shape).mul(0.3)).requiresGrad_();
  const params = [param([16, 32]), param([32]), param([32, 4]), param([4])];
  const x = keep(randn([64, 16]));
  const y = keep(randint(0, 4, [64]));
  const step = () => {
    const [w1, b1, w2, b2] = params;
    const logits = x.matmul(w1).add(b1).relu().dropout(0.1).matmul(w2).add(b2);
    const loss = softmaxCrossEntropy(logits, y).mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.assign(p.sub(p.grad!.mul(0.05)));
        p.grad!.dispose();
        p.grad = null;
      }
    });
    return loss;
  };
  return { params, step };
}

const live = () => memory().backends.cpu;

describe('memory', () => {
  it('ops with number operands leave no temporaries behind when no graph records them', () => {
    const live = () => memory().backends.cpu?.tensors ?? 0;
    const x = tensor([1, 2, 3]);
    const xi = tensor([1, 2, 3], { dtype: 'int32' });
    const before = live();
    const outs = [
      x.mul(2),
      x.add(1),
      x.sub(0.5),
      x.div(4),
      x.pow(2),
      x.maximum(2),
      x.gt(1),
      x.maskedFill(x.gt(2), 0),
      xi.add(1.5), // a cast of xi and a scalar, both the op's own
    ];
    // Exactly the results (and the one mask made for maskedFill) are alive: no scalars, no casts.
    expect(live() - before).toBe(outs.length + 1);
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(3); // recorded: the scalar lives with the graph until backward frees it
    y.sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([3, 3]);
  });

  it('keeps live tensors and bytes flat over 200 steps inside tidy', () => {
    const { step } = setup();
    const counts: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < 200; i++) {
      tidy(() => step().itemSync());
      counts.push(live().tensors);
      bytes.push(live().bytes);
    }
    expect(new Set(counts.slice(5)).size).toBe(1);
    expect(new Set(bytes.slice(5)).size).toBe(1);
    // The backend's own buffer count agrees with the tensor layer's byte count.
    expect(live().backendBytes).toBe(live().bytes);
  });

  it('keeps memory flat with an async scope that spans awaits', async () => {
    const { step } = setup();
    const counts: number[] = [];
    for (let i = 0; i < 200; i++) {
      await scope(async () => {
        const loss = step();
        await loss.data();
        await Promise.resolve();
        return loss.item();
      });
      counts.push(live().tensors);
    }
    expect(new Set(counts.slice(5)).size).toBe(1);
  });

  it('a plain loop without scopes stays bounded: the graph is freed and GC is the safety net', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const { step } = setup();
    const sample = async () => {
      gc!();
      await new Promise((r) => setTimeout(r, 0)); // let FinalizationRegistry callbacks run
      gc!();
      await new Promise((r) => setTimeout(r, 0));
      return live().tensors;
    };
    for (let i = 0; i < 20; i++) step();
    const after20 = await sample();
    for (let i = 0; i < 200; i++) step();
    const after220 = await sample();
    expect(after220).toBeLessThanOrEqual(after20 + 50);
  });

  it('tidy keeps returned tensors and kept tensors, disposes the rest', () => {
    const before = live().tensors;
    let inner: Tensor | undefined;
    let kept: Tensor | undefined;
    const out = tidy(() => {
      inner = zeros([3]).add(1);
      kept = keep(zeros([2]));
      return { result: inner.mul(2) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(out.result.arraySync()).toEqual([2, 2, 2]);
    expect(() => inner!.dataSync()).toThrow(DisposedError);
    out.result.dispose();
    kept!.dispose();
    expect(live().tensors).toBe(before);
  });

  it('nested scopes hand results to the parent scope', () => {
    const before = live().tensors;
    const outer = tidy(() => {
      const a = tidy(() => tensor([1, 2]).add(1));
      expect(a.isDisposed).toBe(false);
      return a.mul(3);
    });
    expect(outer.arraySync()).toEqual([6, 9]);
    outer.dispose();
    expect(live().tensors).toBe(before);
  });

  it('tidy disposes what it created when the function throws', () => {
    const before = live().tensors;
    expect(() =>
      tidy(() => {
        rand([4]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live().tensors).toBe(before);
  });

  it('dispose is idempotent and reshape views share storage until the last one goes', () => {
    const before = live();
    const a = tensor([1, 2, 3, 4]);
    const v = a.reshape([2, 2]);
    expect(live().bytes - before.bytes).toBe(16); // one storage for both tensors
    a.dispose();
    a.dispose();
    expect(v.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    v.dispose();
    expect(live().tensors).toBe(before.tensors);
    expect(live().backendBytes).toBe(before.backendBytes);
  });

  it('supports `using`-style disposal through Symbol.dispose', () => {
    const before = live().tensors;
    const t = tensor([1]);
    t[Symbol.dispose]();
    expect(t.isDisposed).toBe(true);
    expect(live().tensors).toBe(before);
  });
});
