import {
  keep,
  mul,
  noGrad,
  rand,
  softmaxCrossEntropy,
  sub,
  type Tensor,
  tensor,
  tidy,
  zerosLike,
} from '@rnn/tensor';
import type { Dataset } from './data';

/** One fully connected layer `x @ weight + bias`, weight stored `[in, out]`. */
interface Linear {
  weight: Tensor;
  bias: Tensor;
}

/**
 * PyTorch's default `nn.Linear` initialisation: weight and bias drawn from
 * uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), here from the seeded `rand`.
 */
function linear(fanIn: number, fanOut: number): Linear {
  const bound = 1 / Math.sqrt(fanIn);
  // The temporaries of `rand * 2b - b` are freed by tidy; keep() lets the parameter outlive any scope.
  const uniform = (shape: number[]) => {
    const t = noGrad(() => tidy(() => keep(sub(mul(rand(shape), 2 * bound), bound))));
    return t.requiresGrad_();
  };
  return { weight: uniform([fanIn, fanOut]), bias: uniform([fanOut]) };
}

/** A multilayer perceptron: inputs → tanh hidden layers → class logits. Built from tensor ops only. */
export class MLP {
  readonly layers: Linear[];

  /** `sizes` lists the layer widths, e.g. `[2, 32, 32, 2]`. Draws from the default generator. */
  constructor(sizes: readonly number[]) {
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) this.layers.push(linear(sizes[i], sizes[i + 1]));
  }

  /** Every trainable tensor (weights and biases). */
  parameters(): Tensor[] {
    return this.layers.flatMap((l) => [l.weight, l.bias]);
  }

  /** Logits `[N, classes]` for inputs `[N, features]`. */
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((l, i) => {
      h = h.matmul(l.weight).add(l.bias);
      if (i < this.layers.length - 1) h = h.tanh();
    });
    return h;
  }
}

/** Mean softmax cross-entropy of the model's logits against int32 labels. */
export function lossOf(model: MLP, x: Tensor, y: Tensor): Tensor {
  return softmaxCrossEntropy(model.forward(x), y).mean();
}

/** Fraction of rows whose highest logit is the label (no autograd, no tensors left behind). */
export function accuracy(model: MLP, x: Tensor, y: Tensor): number {
  return noGrad(() => tidy(() => model.forward(x).argmax(1).eq(y).float().mean().itemSync()));
}

/**
 * Adam (Kingma & Ba), written out by hand with tensor ops. `step()` must run inside a scope
 * (`tidy`/`scope`): its temporaries are freed there, while the moment estimates, created lazily on
 * the first step, are marked with `keep()` so they survive it. Parameters are updated in place with
 * `assign`, which leaves them leaves of the autograd graph.
 */
export class Adam {
  private t = 0;
  private readonly m: Tensor[] = [];
  private readonly v: Tensor[] = [];

  constructor(
    private readonly params: Tensor[],
    private readonly lr = 0.01,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(): void {
    noGrad(() => {
      this.t++;
      const c1 = 1 - this.beta1 ** this.t; // bias corrections
      const c2 = 1 - this.beta2 ** this.t;
      this.params.forEach((p, i) => {
        const g = p.grad;
        if (!g) return;
        this.m[i] ??= keep(zerosLike(p));
        this.v[i] ??= keep(zerosLike(p));
        const m = this.m[i].assign(this.m[i].mul(this.beta1).add(g.mul(1 - this.beta1)));
        const v = this.v[i].assign(this.v[i].mul(this.beta2).add(g.square().mul(1 - this.beta2)));
        const update = m.div(c1).div(v.div(c2).sqrt().add(this.eps)).mul(this.lr);
        p.assign(p.sub(update));
      });
    });
  }

  /** Drops the accumulated gradients (they are kept outside scopes, so they are freed here). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}

/** One optimisation step on a batch; returns the batch loss before the update. Leaves no tensors behind. */
export function trainStep(model: MLP, opt: Adam, x: Tensor, y: Tensor): number {
  return tidy(() => {
    const loss = lossOf(model, x, y);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    return loss.itemSync();
  });
}

/**
 * One pass over the data in shuffled mini-batches (the order comes from the seeded generator).
 * Returns the mean loss over the epoch and the number of optimiser steps taken.
 */
export function trainEpoch(
  model: MLP,
  opt: Adam,
  data: Dataset,
  batchSize: number,
): { loss: number; steps: number } {
  const keys = tidy(() => rand([data.size]).dataSync());
  const order = Int32Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b]);
  let total = 0;
  let steps = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const rows = order.subarray(start, start + batchSize);
    total += tidy(() => {
      const idx = tensor(rows);
      return trainStep(model, opt, data.x.indexSelect(0, idx), data.y.indexSelect(0, idx)) * rows.length;
    });
    steps++;
  }
  return { loss: total / data.size, steps };
}
