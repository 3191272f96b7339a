import {
  DTypeError,
  keep,
  memory,
  noGrad,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  zeros,
} from '@rnn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  clipGradNorm,
  clipGradNormAsync,
  clipGradValue,
  type Optimizer,
  RMSprop,
  SGD,
} from '../src/index';
import { expectClose, f64, fixture, worst } from './training-fixtures';

const classes = { SGD, Adam, AdamW, RMSprop, Adagrad } as const;
type Name = keyof typeof classes;

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function options(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [camel(k), v]));
}

// biome-ignore lint/suspicious/noExplicitAny: fixture options are loose JSON
function make(name: Name, params: any, opts: Record<string, unknown>): Optimizer<any> {
  // biome-ignore lint/suspicious/noExplicitAny: each class has its own options type
  return new (classes[name] as any)(params, opts);
}

const { theta0, a: A, b: B } = fixture.optimizers as { theta0: number[][]; a: number[][]; b: number[][] };
const leaf = (v: unknown) => keep(tensor(v as number[], { dtype: 'float64' })).requiresGrad_();
const constant = (v: unknown) => keep(tensor(v as number[], { dtype: 'float64' }));

/** The fixture's quadratic: L = Σ ½·a·θ² + b·θ. */
function problem() {
  const params = theta0.map(leaf);
  const a = A.map(constant);
  const b = B.map(constant);
  const backward = () =>
    tidy(() => {
      let loss: Tensor | null = null;
      params.forEach((p, i) => {
        const term = a[i].mul(0.5).mul(p).mul(p).add(b[i].mul(p)).sum();
        loss = loss ? loss.add(term) : term;
      });
      loss!.backward();
    });
  return { params, backward };
}

interface OptCase {
  optimizer: Name;
  options: Record<string, unknown>;
  groups?: { params: number[]; options: Record<string, unknown> }[];
  history: number[][][];
}

describe('optimizers: PyTorch parity, first 5 steps (float64)', () => {
  for (const c of fixture.optimizers.cases as OptCase[]) {
    const label = `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ` groups ${JSON.stringify(c.groups)}` : ''}`;
    it(label, () => {
      const { params, backward } = problem();
      const spec = c.groups
        ? c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...options(g.options) }))
        : params;
      const opt = make(c.optimizer, spec, options(c.options));
      c.history.forEach((expected, step) => {
        opt.zeroGrad();
        backward();
        opt.step();
        params.forEach((p, i) => {
          expectClose(p.dataSync(), expected[i], `${label} step ${step + 1} param ${i}`);
        });
      });
      opt.zeroGrad();
      opt.dispose();
    });
  }
  afterAll(() => {
    console.info(`optimizers: largest relative error vs PyTorch ${worst.rel.toExponential(2)}`);
  });
});

const variants: [Name, Record<string, unknown>][] = [
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ['Adam', { lr: 0.1, amsgrad: true, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.1 }],
  ['RMSprop', { momentum: 0.5, centered: true }],
  ['Adagrad', { lrDecay: 0.1, initialAccumulatorValue: 0.1 }],
];

describe('optimizer state', () => {
  for (const [name, opts] of variants) {
    it(`${name}: stateDict/loadStateDict resumes exactly`, () => {
      const run = problem();
      const opt = make(name, run.params, opts);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        run.backward();
        opt.step();
      }
      const sd = opt.stateDict();
      // A second run that starts from copies of the parameters and the saved state.
      const resumed = problem();
      noGrad(() => {
        resumed.params.forEach((p, i) => {
          p.assign(run.params[i].clone());
        });
      });
      const opt2 = make(name, resumed.params, { lr: 123 });
      opt2.loadStateDict(sd);
      expect(opt2.paramGroups[0].lr).toBe(opts.lr ?? opt.paramGroups[0].lr);
      for (let i = 0; i < 2; i++) {
        for (const [o, r] of [
          [opt, run],
          [opt2, resumed],
        ] as const) {
          o.zeroGrad();
          r.backward();
          o.step();
        }
      }
      resumed.params.forEach((p, i) => {
        expect(Array.from(p.dataSync())).toEqual(Array.from(run.params[i].dataSync()));
      });
      opt.dispose();
      opt2.dispose();
    });

    it(`${name}: 50 steps inside tidy leave memory flat`, () => {
      const { params, backward } = problem();
      const opt = make(name, params, opts);
      const counts: number[] = [];
      const bytes: number[] = [];
      for (let i = 0; i < 50; i++) {
        tidy(() => {
          opt.zeroGrad();
          backward();
          opt.step();
        });
        counts.push(memory().tensors);
        bytes.push(memory().bytes);
      }
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(new Set(bytes.slice(1)).size).toBe(1);
      opt.zeroGrad();
      opt.dispose();
    });
  }

  it('stateDict follows PyTorch: state by parameter index, groups with hyper-parameters and indices', () => {
    const { params, backward } = problem();
    const opt = new Adam([{ params: [params[1]], lr: 0.5 }, { params: [params[0]] }], { amsgrad: true });
    backward();
    opt.step();
    const sd = opt.stateDict();
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(sd.paramGroups[0]).toMatchObject({
      lr: 0.5,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: true,
    });
    expect(sd.paramGroups[1].lr).toBe(1e-3);
    expect(Object.keys(sd.state[0]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.state[0].step).toBe(1);
    expect((sd.state[0].exp_avg as Tensor).shape).toEqual([2, 2]);
    opt.zeroGrad();
    opt.dispose();
  });

  it('loadStateDict reports mismatched groups and shapes', () => {
    const { params, backward } = problem();
    const opt = new Adam(params, { lr: 0.1 });
    backward();
    opt.step();
    const sd = opt.stateDict();
    expect(() => new Adam([params[0]]).loadStateDict(sd)).toThrow(
      /parameter group 0 has 2 parameters in the state dict, 1 in the optimizer/,
    );
    expect(() => new Adam([{ params: [params[0]] }, { params: [params[1]] }]).loadStateDict(sd)).toThrow(
      /the state dict has 1 parameter groups, the optimizer has 2/,
    );
    const swapped = problem().params.reverse();
    expect(() => new Adam(swapped).loadStateDict(sd)).toThrow(ShapeError);
    opt.zeroGrad();
    opt.dispose();
  });

  it('Adagrad creates its state when parameters are added, as PyTorch', () => {
    const { params } = problem();
    const opt = new Adagrad(params, { initialAccumulatorValue: 0.25 });
    const sd = opt.stateDict();
    expect(sd.state[1].step).toBe(0);
    expect(Array.from((sd.state[1].sum as Tensor).dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
    opt.dispose();
  });
});

describe('optimizer behaviour', () => {
  it('skips parameters without a gradient and honours lr changes in paramGroups', () => {
    const { params } = problem();
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    params[0].grad = keep(tensor([1, 1, 1], { dtype: 'float64' }));
    opt.step();
    expectClose(params[0].dataSync(), [0.4, -1.1, 1.9], 'stepped');
    expectClose(params[1].dataSync(), theta0[1].flat(), 'untouched');
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
    opt.paramGroups[0].lr = 1;
    opt.step();
    // buffer = 0.9·1 + 1 = 1.9, θ -= 1·1.9
    expectClose(params[0].dataSync(), [-1.5, -3, 0], 'after lr change');
    opt.zeroGrad();
    expect(params[0].grad).toBeNull();
    opt.dispose();
  });

  it('zeroGrad can zero instead of clearing', () => {
    const { params, backward } = problem();
    const opt = new SGD(params, { lr: 0.1 });
    backward();
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(params[1].grad!.dataSync())).toEqual([0, 0, 0, 0]);
    opt.zeroGrad();
  });

  it('validates parameters and hyper-parameters as PyTorch does, with typed errors', () => {
    const { params } = problem();
    expect(() => new SGD(params)).toThrow(/no learning rate/);
    expect(() => new SGD(params, { lr: -1 })).toThrow(ValueError);
    expect(() => new SGD(params, { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires/);
    expect(() => new Adam(params, { betas: [0.9, 1] })).toThrow(/invalid beta parameter at index 1/);
    expect(() => new RMSprop(params, { alpha: -0.1 })).toThrow(ValueError);
    expect(() => new Adam([])).toThrow(/empty parameter list/);
    expect(() => new Adam([{ params: [params[0]] }, { params: [params[0], params[1]] }])).toThrow(
      /more than one parameter group/,
    );
    expect(() => new Adam([params[0], params[0]])).toThrow(ValueError);
    expect(() => new Adam([tensor([1, 2], { dtype: 'int32' })])).toThrow(DTypeError);
    const nonLeaf = tidy(() => params[0].mul(2));
    expect(() => new Adam([nonLeaf])).toThrow(/non-leaf/);
    const opt = new Adam(params);
    expect(() => opt.addParamGroup({ params: [params[1]] })).toThrow(ValueError);
    opt.addParamGroup({ params: [leaf([1, 2])], lr: 0.5 });
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].betas).toEqual([0.9, 0.999]);
    expect(opt.paramGroups[1].betas).not.toBe(opt.paramGroups[0].betas);
  });
});

describe('gradient clipping: PyTorch parity', () => {
  const clip = fixture.clip;
  const withGrads = () =>
    clip.grads.map((g: { shape: number[]; data: number[] }) => {
      const p = keep(zeros(g.shape, { dtype: 'float64' })).requiresGrad_();
      p.grad = keep(f64(g));
      return p;
    });
  for (const c of clip.norm as {
    maxNorm: number;
    normType: number | 'inf';
    total: number;
    grads: number[][];
  }[]) {
    it(`clipGradNorm maxNorm=${c.maxNorm} normType=${c.normType}`, () => {
      const params = withGrads();
      const normType = c.normType === 'inf' ? Number.POSITIVE_INFINITY : c.normType;
      const before = memory().tensors;
      const total = clipGradNorm(params, c.maxNorm, normType);
      expect(memory().tensors).toBe(before);
      expectClose([total], [c.total], 'total norm');
      params.forEach((p: Tensor, i: number) => {
        expectClose(p.grad!.dataSync(), c.grads[i], `grad ${i}`);
      });
    });
  }

  it('clipGradValue', () => {
    const params = withGrads();
    clipGradValue(params, clip.value.clipValue);
    params.forEach((p: Tensor, i: number) => {
      expectClose(p.grad!.dataSync(), clip.value.grads[i], `grad ${i}`);
    });
  });

  it('clipGradNormAsync, parameters without gradients, non-finite norms', async () => {
    const params = withGrads();
    expect(await clipGradNormAsync(params, 1e9)).toBeCloseTo(clip.norm[0].total, 12);
    expect(clipGradNorm([leaf([1, 2])], 1)).toBe(0);
    const bad = leaf([1, 2]);
    bad.grad = keep(tensor([Number.NaN, 1], { dtype: 'float64' }));
    expect(() => clipGradNorm([bad], 1, 2, { errorIfNonfinite: true })).toThrow(ValueError);
    expect(clipGradNorm([bad], 1)).toBeNaN();
    expect(() => clipGradNorm(params, -1)).toThrow(ValueError);
  });

  it('leaves gradients within the norm untouched (no new storage); the async form gives the same values', async () => {
    const p = randn([1000]).requiresGrad_();
    p.grad = randn([1000]).mul(0.001);
    const before = p.grad.ref;
    const norm = clipGradNorm(p, 10);
    expect(p.grad.ref).toBe(before); // coefficient exactly 1: nothing written
    expect(norm).toBeCloseTo(Math.hypot(...p.grad.dataSync()), 5);
    const copy = Array.from(p.grad.dataSync());
    await clipGradNormAsync(p, 10); // multiplies by 1
    expect(Array.from(p.grad.dataSync())).toEqual(copy);
  });

  it('clips a float32 model the same way', () => {
    tidy(() => {
      const p = randn([10]).requiresGrad_();
      p.grad = keep(randn([10]).mul(10));
      const norm = Math.hypot(...p.grad.dataSync());
      expect(clipGradNorm(p, 1)).toBeCloseTo(norm, 3);
      expect(Math.hypot(...p.grad.dataSync())).toBeCloseTo(1, 5);
      p.grad.dispose();
    });
  });
});
