import { keep, ValueError, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  CosineAnnealingLR,
  ExponentialLR,
  type LRScheduler,
  ReduceLROnPlateau,
  SGD,
  StepLR,
} from '../src/index';
import { expectClose, fixture } from './training-fixtures';

/** Two groups, lr 0.1 and 0.05, as in the fixture. */
function optimizer() {
  const p = () => keep(zeros([2])).requiresGrad_();
  return new SGD([{ params: [p()] }, { params: [p()], lr: 0.05 }], { lr: 0.1 });
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function options(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k === 'T_max' ? 'tMax' : camel(k)] = v;
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: fixture options are loose JSON
const epochSchedulers: Record<string, new (opt: SGD, options: any) => LRScheduler> = {
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
};

interface SchedulerCase {
  scheduler: string;
  options: Record<string, unknown>;
  lrs: number[][];
  metrics?: number[];
}

describe('schedulers: PyTorch parity over 20 epochs', () => {
  for (const c of fixture.schedulers as SchedulerCase[]) {
    it(`${c.scheduler} ${JSON.stringify(c.options)}`, () => {
      const opt = optimizer();
      if (c.scheduler === 'ReduceLROnPlateau') {
        const sched = new ReduceLROnPlateau(opt, options(c.options));
        c.metrics!.forEach((m, i) => {
          opt.step();
          sched.step(m);
          expectClose(sched.getLastLr(), c.lrs[i], `epoch ${i + 1}`);
          expectClose(
            opt.paramGroups.map((g) => g.lr),
            c.lrs[i],
            `groups at epoch ${i + 1}`,
          );
        });
        return;
      }
      const sched = new epochSchedulers[c.scheduler](opt, options(c.options));
      expectClose(sched.getLastLr(), c.lrs[0], 'epoch 0');
      for (let e = 1; e < c.lrs.length; e++) {
        opt.step();
        sched.step();
        expectClose(sched.getLastLr(), c.lrs[e], `epoch ${e}`);
      }
    });
  }
});

describe('scheduler state', () => {
  it('a scheduler restored from its stateDict continues identically', () => {
    const make = (opt: SGD) => new CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.001 });
    const opt = optimizer();
    const sched = make(opt);
    for (let i = 0; i < 7; i++) sched.step();
    const saved = JSON.parse(JSON.stringify(sched.stateDict()));
    const groups = opt.paramGroups.map((g) => ({ lr: g.lr, initialLr: g.initialLr }));
    const opt2 = optimizer();
    const sched2 = make(opt2);
    sched2.loadStateDict(saved);
    opt2.paramGroups.forEach((g, i) => {
      Object.assign(g, groups[i]);
    });
    for (let i = 0; i < 9; i++) {
      sched.step();
      sched2.step();
      expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    }
    expect(saved).toMatchObject({ lastEpoch: 7, tMax: 4, etaMin: 0.001, baseLrs: [0.1, 0.05] });
  });

  it('ReduceLROnPlateau stateDict keeps best, counters and per-group minimum rates', () => {
    const opt = optimizer();
    const sched = new ReduceLROnPlateau(opt, { patience: 1, minLr: [0.01, 0.02] });
    for (const m of [1, 2, 3]) sched.step(m);
    const sd = sched.stateDict();
    expect(sd).toMatchObject({ best: 1, numBadEpochs: 0, lastEpoch: 3, minLrs: [0.01, 0.02] });
    const fresh = new ReduceLROnPlateau(optimizer(), { patience: 1, minLr: [0.01, 0.02] });
    expect(fresh.stateDict().best).toBe(Number.POSITIVE_INFINITY);
    fresh.loadStateDict(sd);
    expect(fresh.stateDict()).toEqual(sd);
    expect(() => fresh.loadStateDict({ nope: 1 })).toThrow(ValueError);
  });

  it('sets initialLr, and resuming with lastEpoch needs it', () => {
    const opt = optimizer();
    expect(() => new StepLR(opt, { stepSize: 2, lastEpoch: 4 })).toThrow(/has no initialLr/);
    new StepLR(opt, { stepSize: 2 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.05]);
    const resumed = new StepLR(opt, { stepSize: 2, lastEpoch: 4 });
    expect(resumed.lastEpoch).toBe(5);
  });

  it('validates its options', () => {
    const opt = optimizer();
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(ValueError);
    expect(() => new CosineAnnealingLR(opt, { tMax: 0 })).toThrow(ValueError);
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor should be < 1.0/);
    expect(() => new ReduceLROnPlateau(opt, { minLr: [0.1] })).toThrow(/expected 2 minLr values/);
    expect(() => new ReduceLROnPlateau(opt, { mode: 'up' as 'min' })).toThrow(ValueError);
  });
});
