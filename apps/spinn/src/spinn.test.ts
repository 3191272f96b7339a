/**
 * Correctness of the batched SPINN: encoding sentences together gives the same encodings and the
 * same gradients as encoding them one at a time (float64, with and without tracker, given and
 * greedy transitions); without a tracker it equals a plain recursive TreeLSTM over the parse; and
 * transitions read from a binary parse rebuild that parse exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTransitions, formatBinaryBracketing, parseBinaryBracketing } from '@rnn/data';
import { samplesDir } from '@rnn/data/node';
import { cat, manualSeed, randn, type Tensor } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import { REDUCE, SHIFT, Spinn, type SpinnSentence } from './model/spinn';
import type { Tracker } from './model/tracker';
import {
  leftBranching,
  randomTransitions,
  rightBranching,
  seededUniform,
  treeDepth,
  treeSpans,
} from './model/trees';

const H = 4;

function randomSentences(count: number, seed: number): SpinnSentence[] {
  const rand = seededUniform(seed);
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(rand() * 9);
    return { length, transitions: randomTransitions(rand, length) };
  });
}

function model(tracker: number, transitionHead = false): Spinn {
  manualSeed(3);
  return new Spinn({ hidden: H, tracker, transitionHead }).double();
}

const maxAbs = (a: Tensor, b: Tensor) => {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};

/** Encodes the sentences together and one at a time; compares outputs and every gradient. */
function compareBatchedWithSingles(spinn: Spinn, sentences: SpinnSentence[], policy: 'given' | 'greedy') {
  const total = sentences.reduce((n, s) => n + s.length, 0);
  manualSeed(11);
  const leaves = randn([total, 2 * H], { dtype: 'float64' }).requiresGrad_();
  const weights = randn([sentences.length, H], { dtype: 'float64' });

  const lpWeights = randn([sentences.length], { dtype: 'float64' });
  /** The objective: a weighted sum of the encodings, and of the policy's log-probabilities if any. */
  const objective = (out: ReturnType<Spinn['forward']>, rows: [number, number]) => {
    let o = out.h.mul(weights.narrow(0, ...rows)).sum();
    if (out.logProb) o = o.add(out.logProb.mul(lpWeights.narrow(0, ...rows)).sum());
    return o;
  };

  spinn.zeroGrad();
  const batched = spinn.forward(leaves, sentences, { policy });
  objective(batched, [0, sentences.length]).backward();
  const batchedGrads = new Map(spinn.namedParameters().map(([n, p]) => [n, p.grad?.clone()]));
  const batchedLeafGrad = leaves.grad!.clone();

  spinn.zeroGrad();
  leaves.grad = null;
  let offset = 0;
  const singles: Tensor[] = [];
  sentences.forEach((s, i) => {
    const own = leaves.narrow(0, offset, s.length);
    offset += s.length;
    const out = spinn.forward(own, [s], { policy });
    expect(out.transitions[0]).toEqual(batched.transitions[i]);
    objective(out, [i, 1]).backward();
    singles.push(out.h);
  });
  const one = cat(singles, 0);
  expect(maxAbs(batched.h, one)).toBeLessThan(1e-12);
  expect(maxAbs(batchedLeafGrad, leaves.grad!)).toBeLessThan(1e-12);
  for (const [name, p] of spinn.namedParameters()) {
    const g = batchedGrads.get(name);
    expect(g === undefined, `${name}: a gradient in one run only`).toBe(p.grad === null);
    if (g && p.grad) expect(maxAbs(g, p.grad), name).toBeLessThan(1e-12);
  }
  return batched;
}

describe('batched SPINN = one sentence at a time (float64)', () => {
  const sentences = randomSentences(12, 1);

  it('with a tracker, parse transitions: same encodings, same gradients', () => {
    const spinn = model(3);
    const out = compareBatchedWithSingles(spinn, sentences, 'given');
    expect(out.transitions).toEqual(sentences.map((s) => Array.from(s.transitions!)));
    // Every parameter got a gradient (the tracker conditions Reduce).
    for (const [name, p] of spinn.namedParameters()) expect(p.grad, name).not.toBeNull();
  });

  it('without a tracker (SPINN-PI-NT)', () => {
    compareBatchedWithSingles(model(0), sentences, 'given');
  });

  it('with the tracker choosing the transitions (greedy): the same trees, encodings and gradients', () => {
    const spinn = model(3, true);
    const out = compareBatchedWithSingles(spinn, sentences, 'greedy');
    // The log-probabilities of the chosen transitions reach the transition head.
    expect((spinn.tracker as Tracker).transition?.weight.grad).not.toBeNull();
    out.transitions.forEach((t, i) => {
      expect(checkTransitions(t)).toBeNull();
      expect(t.filter((x) => x === SHIFT)).toHaveLength(sentences[i].length);
    });
  });
});

describe('SPINN composes the given tree', () => {
  it('without a tracker it equals a recursive TreeLSTM over the parse', () => {
    const spinn = model(0);
    const sentences = randomSentences(6, 2);
    const total = sentences.reduce((n, s) => n + s.length, 0);
    manualSeed(5);
    const leaves = randn([total, 2 * H], { dtype: 'float64' });
    const out = spinn.forward(leaves, sentences);
    let offset = 0;
    sentences.forEach((s, i) => {
      // Recursion over the post-order: a word is its leaf, a REDUCE composes the two last results.
      const stack: Tensor[] = [];
      let next = offset;
      for (const t of Array.from(s.transitions!)) {
        if (t === SHIFT) stack.push(leaves.narrow(0, next++, 1));
        else {
          const right = stack.pop()!;
          const left = stack.pop()!;
          stack.push(spinn.reduce.forward(left, right, null));
        }
      }
      offset += s.length;
      expect(maxAbs(out.h.narrow(0, i, 1), stack[0].narrow(1, 0, H))).toBeLessThan(1e-12);
    });
  });

  it("initForgetBias sets both forget gates' bias and leaves the rest of Reduce's bias alone", () => {
    const spinn = model(0);
    const before = Array.from(spinn.reduce.left.bias!.dataSync());
    spinn.reduce.initForgetBias(1);
    const after = Array.from(spinn.reduce.left.bias!.dataSync());
    after.forEach((v, j) => {
      // gates a, i, f_l, f_r, o: the forget gates are slots 2 and 3
      const forget = j >= 2 * H && j < 4 * H;
      expect(v).toBe(forget ? 1 : before[j]);
    });
  });

  it('different trees over the same words give different encodings', () => {
    const spinn = model(3);
    manualSeed(6);
    const leaves = randn([5, 2 * H], { dtype: 'float64' });
    const a = spinn.forward(leaves, [{ length: 5, transitions: leftBranching(5) }]).h;
    const b = spinn.forward(leaves, [{ length: 5, transitions: rightBranching(5) }]).h;
    expect(maxAbs(a, b)).toBeGreaterThan(1e-3);
  });

  it('sampled transitions are always valid trees, and their log-probabilities are finite', () => {
    const spinn = model(3, true).float();
    manualSeed(7);
    const sentences = randomSentences(30, 4).map((s) => ({ length: s.length }));
    const total = sentences.reduce((n, s) => n + s.length, 0);
    const out = spinn.forward(randn([total, 2 * H]), sentences, { policy: 'sample' });
    out.transitions.forEach((t, i) => {
      expect(checkTransitions(t)).toBeNull();
      expect(t.filter((x) => x === SHIFT)).toHaveLength(sentences[i].length);
    });
    const lp = Array.from(out.logProb!.dataSync());
    expect(lp.every((x) => Number.isFinite(x) && x <= 0)).toBe(true);
    // A one-word sentence has no choice to make: log-probability 0.
    sentences.forEach((s, i) => {
      if (s.length === 1) expect(lp[i]).toBe(0);
    });
  });

  it('refuses transitions that do not fit the sentence', () => {
    const spinn = model(3);
    const leaves = randn([3, 2 * H], { dtype: 'float64' });
    expect(() => spinn.forward(leaves, [{ length: 3, transitions: [SHIFT, SHIFT, REDUCE] }])).toThrow(
      'its transitions shift 2 words, it has 3',
    );
    expect(() =>
      spinn.forward(leaves, [{ length: 3, transitions: [SHIFT, REDUCE, SHIFT, SHIFT, REDUCE] }]),
    ).toThrow('expected a REDUCE to find two items on the stack');
    expect(() => spinn.forward(leaves, [{ length: 3 }], { policy: 'greedy' })).toThrow(
      "policy 'greedy' needs a tracker with a transition head",
    );
    expect(() => spinn.forward(leaves, [{ length: 2, transitions: [SHIFT, SHIFT, REDUCE] }])).toThrow(
      'leaves must be [2, 8]',
    );
  });
});

describe('transitions and trees', () => {
  it('transitions parsed from every binary parse of the SNLI sample rebuild it exactly', () => {
    let parses = 0;
    for (const split of ['snli_1.0_train_0.01.jsonl', 'snli_1.0_dev.jsonl', 'snli_1.0_test.jsonl']) {
      const lines = readFileSync(join(samplesDir(), 'snli', split), 'utf8')
        .split('\n')
        .filter(Boolean);
      for (const line of lines) {
        const record = JSON.parse(line);
        for (const key of ['sentence1_binary_parse', 'sentence2_binary_parse']) {
          const parse = record[key] as string;
          const p = parseBinaryBracketing(parse);
          if (typeof p === 'string') throw new Error(p);
          expect(formatBinaryBracketing(p.tokens, p.transitions)).toBe(parse.trim().split(/\s+/).join(' '));
          parses++;
        }
      }
    }
    expect(parses).toBeGreaterThan(30);
  });

  it('spans, depth, left- and right-branching trees', () => {
    const p = parseBinaryBracketing('( ( a b ) ( c ( d e ) ) )') as { transitions: number[] };
    expect(treeSpans(p.transitions)).toEqual([
      [0, 2],
      [3, 5],
      [2, 5],
      [0, 5],
    ]);
    expect(treeDepth(p.transitions)).toBe(3);
    expect(formatBinaryBracketing(['a', 'b', 'c', 'd'], rightBranching(4))).toBe('( a ( b ( c d ) ) )');
    expect(formatBinaryBracketing(['a', 'b', 'c', 'd'], leftBranching(4))).toBe('( ( ( a b ) c ) d )');
    expect(treeDepth(rightBranching(6))).toBe(5);
    expect(treeDepth([SHIFT])).toBe(0);
  });
});
