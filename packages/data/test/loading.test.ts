import { Generator, getRngState, manualSeed, rand, setRngState } from '@rnn/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ArrayDataset,
  BucketBatchSampler,
  DataLoader,
  MappedDataset,
  padBatch,
  padCollate,
  RandomBatchSampler,
  SeededRandom,
  Subset,
} from '../src';

describe('SeededRandom', () => {
  it('draws the same words as rand() from the same seed', () => {
    const r = new SeededRandom(7);
    const ours = Array.from({ length: 10 }, () => r.nextFloat());
    const theirs = Array.from(rand([10], { generator: new Generator(7) }).dataSync());
    expect(ours).toEqual(theirs);
  });

  it('permutes reproducibly and uniformly enough', () => {
    expect(new SeededRandom(1).permutation(20)).toEqual(new SeededRandom(1).permutation(20));
    expect(new SeededRandom(1).permutation(20)).not.toEqual(new SeededRandom(2).permutation(20));
    const r = new SeededRandom(3);
    const firsts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) firsts[r.permutation(4)[0]]++;
    for (const c of firsts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe('DataLoader', () => {
  const data = new ArrayDataset(Array.from({ length: 10 }, (_, i) => i));

  it('batches in order, with or without the last short batch', () => {
    expect([...new DataLoader(data, { batchSize: 4 })]).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const dl = new DataLoader(data, { batchSize: 4, dropLast: true });
    expect(dl.length).toBe(2);
    expect([...dl]).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('shuffles from a seed: same seed same epochs, epochs differ, every index once', () => {
    const a = new DataLoader(data, { batchSize: 3, shuffle: true, generator: 5 });
    const b = new DataLoader(data, { batchSize: 3, shuffle: true, generator: 5 });
    const e1 = [...a].flat();
    const e2 = [...a].flat();
    expect([...b].flat()).toEqual(e1);
    expect(e2).not.toEqual(e1);
    expect([...e1].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('follows manualSeed when given no generator', () => {
    manualSeed(11);
    const e1 = [...new DataLoader(data, { batchSize: 10, shuffle: true })];
    manualSeed(11);
    expect([...new DataLoader(data, { batchSize: 10, shuffle: true })]).toEqual(e1);
  });

  it('saves and restores its position mid-epoch: the resumed run sees the same batches', () => {
    // Reference: three epochs in one go (the default generator also drives other draws in between).
    manualSeed(3);
    const ref = new DataLoader(data, { batchSize: 3, shuffle: true });
    const expected: number[][] = [];
    for (let e = 0; e < 3; e++) for (const b of ref) expected.push(b, Array.from(rand([2]).dataSync()));

    // Interrupted after the second batch of epoch 2, then restored into a new loader.
    manualSeed(3);
    const a = new DataLoader(data, { batchSize: 3, shuffle: true });
    const seen: number[][] = [];
    let saved: ReturnType<typeof a.stateDict> | undefined;
    let rng: ReturnType<typeof getRngState> | undefined;
    outer: for (let e = 0; e < 3; e++) {
      for (const b of a) {
        seen.push(b, Array.from(rand([2]).dataSync()));
        if (e === 1 && seen.length === 2 * (a.length + 2)) {
          saved = JSON.parse(JSON.stringify(a.stateDict()));
          rng = getRngState();
          break outer;
        }
      }
    }
    expect(saved!.batchesDone).toBe(2);
    manualSeed(99); // anything: the state below replaces it
    const b = new DataLoader(data, { batchSize: 3, shuffle: true });
    setRngState(rng!);
    b.loadStateDict(saved!);
    expect(b.stateDict()).toEqual(saved);
    for (let e = 1; e < 3; e++) for (const batch of b) seen.push(batch, Array.from(rand([2]).dataSync()));
    expect(seen).toEqual(expected);
    expect(b.stateDict()).toMatchObject({ epochStart: null, batchesDone: 0 });
  });

  it('restores between epochs, with its own generator, and rejects bad states', () => {
    const a = new DataLoader(data, { batchSize: 4, shuffle: true, generator: 8 });
    [...a];
    const state = a.stateDict();
    const next = [...a];
    const b = new DataLoader(data, { batchSize: 4, shuffle: true, generator: 1 });
    b.loadStateDict(state);
    expect([...b]).toEqual(next);
    expect(() => b.loadStateDict({ epochStart: null, batchesDone: 2, current: state.current })).toThrow(
      /expected \{ epochStart, batchesDone: 0..3, current \}/,
    );
    const custom = new DataLoader(data, { batchSampler: [[0, 1]] as unknown as RandomBatchSampler });
    expect(() => custom.stateDict()).toThrow(/no getState\/setState/);
    expect(() =>
      new SeededRandom(1).setState({ generator: { seed: 1, offset: 0 }, block: [], used: 0 }),
    ).toThrow(/4 uint32 words/);
  });

  it('maps and subsets datasets, and rejects mixing batchSampler with batchSize', () => {
    const sq = new MappedDataset(data, (x) => x * x);
    expect([...new DataLoader(new Subset(sq, [3, 1]), { batchSize: 2 })]).toEqual([[9, 1]]);
    expect(
      () =>
        new DataLoader(data, { batchSampler: new RandomBatchSampler(10, { batchSize: 2 }), batchSize: 2 }),
    ).toThrow(/either batchSampler or batchSize/);
    expect(() => data.get(10)).toThrow(/\[0, 10\)/);
  });
});

describe('padBatch and padCollate', () => {
  it('pads time-major by default, batch-first on request, with lengths and mask', () => {
    const p = padBatch([[1, 2, 3], [4]], { padId: 9 });
    expect(p.ids.shape).toEqual([3, 2]);
    expect(p.ids.arraySync()).toEqual([
      [1, 4],
      [2, 9],
      [3, 9],
    ]);
    expect(Array.from(p.lengthsArray)).toEqual([3, 1]);
    expect(p.lengths.dtype).toBe('int32');
    expect(p.mask.dtype).toBe('bool');
    const q = padBatch([[1, 2, 3], [4]], { batchFirst: true, maskDtype: 'float32', padSize: 2 });
    expect(q.ids.arraySync()).toEqual([
      [1, 2],
      [4, 0],
    ]);
    expect(q.mask.arraySync()).toEqual([
      [1, 1],
      [1, 0],
    ]);
    expect(Array.from(q.lengthsArray)).toEqual([2, 1]);
    expect(() => padBatch([[], []])).toThrow(/all 2 sequences are empty/);
  });

  it('pads any batch consistently (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        (seqs, batchFirst, maxLength) => {
          const p = padBatch(seqs, { batchFirst, maxLength });
          const steps = Math.max(...seqs.map((s) => Math.min(s.length, maxLength ?? Infinity)));
          expect(p.ids.shape).toEqual(batchFirst ? [seqs.length, steps] : [steps, seqs.length]);
          const ids = p.ids.arraySync() as number[][];
          const mask = p.mask.arraySync() as number[][];
          seqs.forEach((s, b) => {
            const n = Math.min(s.length, maxLength ?? Infinity);
            expect(p.lengthsArray[b]).toBe(n);
            for (let t = 0; t < steps; t++) {
              const v = batchFirst ? ids[b][t] : ids[t][b];
              const m = batchFirst ? mask[b][t] : mask[t][b];
              expect(Number(m)).toBe(t < n ? 1 : 0);
              expect(v).toBe(t < n ? s[t] : 0);
            }
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('collates labels and sorts by length for packing, keeping the original positions', () => {
    const collate = padCollate({ sortByLength: true });
    const b = collate([
      { ids: [1], label: 0 },
      { ids: [2, 3, 4], label: 1 },
      { ids: [5, 6], label: 2 },
    ]);
    expect(Array.from(b.indices)).toEqual([1, 2, 0]);
    expect(Array.from(b.lengthsArray)).toEqual([3, 2, 1]);
    expect(b.labels!.arraySync()).toEqual([1, 2, 0]);
    expect(padCollate()([{ ids: [1] }]).labels).toBeUndefined();
  });
});

describe('BucketBatchSampler', () => {
  const lengths = Array.from({ length: 103 }, (_, i) => (i * 37) % 50);

  it('covers every index once per epoch, with batches of similar length, shuffled from a seed', () => {
    const s = new BucketBatchSampler(lengths, { batchSize: 8, bucketSize: 40, generator: 3 });
    const epoch = [...s];
    expect(epoch.length).toBe(s.length);
    expect(epoch.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    // within a batch, the spread of lengths is far below the spread of the whole set (0..49)
    const spread = epoch.map(
      (b) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i])),
    );
    expect(spread.reduce((a, b) => a + b, 0) / spread.length).toBeLessThan(25);
    expect([...new BucketBatchSampler(lengths, { batchSize: 8, bucketSize: 40, generator: 3 })]).toEqual(
      epoch,
    );
    expect([...s]).not.toEqual(epoch);
  });

  it('without shuffle sorts everything by length; dropLast leaves out the short batch', () => {
    const s = new BucketBatchSampler(lengths, { batchSize: 10, shuffle: false, dropLast: true });
    const epoch = [...s];
    expect(epoch.length).toBe(10);
    expect(epoch.every((b) => b.length === 10)).toBe(true);
    const flat = epoch.flat().map((i) => lengths[i]);
    expect(flat).toEqual([...flat].sort((a, b) => a - b));
  });

  it('drives a DataLoader with padCollate', () => {
    const examples = lengths.map((n, i) => ({
      ids: Array.from({ length: n + 1 }, () => i + 1),
      label: i % 3,
    }));
    const dl = new DataLoader(new ArrayDataset(examples), {
      batchSampler: new BucketBatchSampler(
        examples.map((e) => e.ids.length),
        { batchSize: 16, generator: 1 },
      ),
      collate: padCollate({ batchFirst: true }),
    });
    let rows = 0;
    for (const b of dl) {
      rows += b.ids.shape[0];
      expect(b.labels!.shape).toEqual([b.ids.shape[0]]);
    }
    expect(rows).toBe(103);
  });
});
