import { Adam, crossEntropy, Embedding, Linear, LSTMCell, Module } from '@rnn/nn';
import { cat, chunk, keep, narrow, split, type Tensor, tensor, tidy, zeros } from '@rnn/tensor';
import { randomInt, randomTokens, readLoss, seededRandom, type Workload, type WorkloadSpec } from './common';

/** Workload D's shapes. */
export interface SpinnConfig {
  vocab: number;
  embed: number;
  hidden: number;
  tracker: number;
  mlp: number;
  classes: number;
  pairs: number;
  premise: [number, number];
  hypothesis: [number, number];
  lr: number;
}

/** One sentence: its token ids and its shift (1) / reduce (2) sequence, a random binary tree. */
export interface Sentence {
  tokens: number[];
  transitions: number[];
}

export interface SpinnData {
  premises: Sentence[];
  hypotheses: Sentence[];
  labels: number[];
}

export const SHIFT = 1;
export const REDUCE = 2;

/** A random binary tree over `n` leaves as a valid shift-reduce sequence (2n − 1 transitions). */
export function randomTransitions(rand: () => number, n: number): number[] {
  const out: number[] = [];
  let shifted = 0;
  let depth = 0;
  while (shifted < n || depth > 1) {
    if (shifted < n && (depth < 2 || rand() < 0.5)) {
      out.push(SHIFT);
      shifted++;
      depth++;
    } else {
      out.push(REDUCE);
      depth--;
    }
  }
  return out;
}

/** TreeLSTM composition of two stack entries, conditioned on the tracker state (SPINN's Reduce). */
class Reduce extends Module {
  left: Linear;
  right: Linear;
  track: Linear;

  constructor(hidden: number, tracker: number) {
    super();
    this.left = new Linear(hidden, 5 * hidden);
    this.right = new Linear(hidden, 5 * hidden, { bias: false });
    this.track = new Linear(tracker, 5 * hidden, { bias: false });
  }

  /** `[R, 2H]` entries (h‖c) left and right, tracker `[R, T]` → the new entries `[R, 2H]`. */
  forward(left: Tensor, right: Tensor, tracking: Tensor): Tensor {
    const [lh, lc] = chunk(left, 2, 1);
    const [rh, rc] = chunk(right, 2, 1);
    const g = this.left.forward(lh).add(this.right.forward(rh)).add(this.track.forward(tracking));
    const [a, i, f1, f2, o] = chunk(g, 5, 1);
    const c = a.tanh().mul(i.sigmoid()).add(f1.sigmoid().mul(lc)).add(f2.sigmoid().mul(rc));
    const h = o.sigmoid().mul(c.tanh());
    return cat([h, c], 1);
  }
}

/**
 * Where a stack or buffer entry lives: row `row` of source tensor `src` (0: zeros; 1…L: the leaves at
 * word position 0…L−1 of every sentence; after those, one source per reduce step).
 */
type Ref = [src: number, row: number];

/**
 * Gathers entries from several source tensors into one `[refs.length, width]` tensor: one
 * `indexSelect` per source, a `cat`, and one `indexSelect` to restore the order. Every gather of the
 * encoder goes through here, the same way in the PyTorch twin.
 */
function gather(sources: Tensor[], refs: readonly Ref[]): Tensor {
  const bySource = new Map<number, number[]>();
  refs.forEach(([src], k) => {
    const list = bySource.get(src);
    if (list) list.push(k);
    else bySource.set(src, [k]);
  });
  const keys = [...bySource.keys()].sort((a, b) => a - b);
  const parts: Tensor[] = [];
  const order: number[] = [];
  for (const src of keys) {
    const ks = bySource.get(src)!;
    const rows = ks.map((k) => refs[k][1]);
    parts.push(sources[src].indexSelect(0, tensor(Int32Array.from(rows), { dtype: 'int32' })));
    order.push(...ks);
  }
  const all = parts.length === 1 ? parts[0] : cat(parts, 0);
  const inverse = new Int32Array(order.length);
  order.forEach((k, pos) => {
    inverse[k] = pos;
  });
  let identity = true;
  for (let k = 0; k < inverse.length; k++) if (inverse[k] !== k) identity = false;
  return identity ? all : all.indexSelect(0, tensor(inverse, { dtype: 'int32' }));
}

/** The shift-reduce encoder with a tracker LSTM, batched per transition step. */
class Spinn extends Module {
  reduce: Reduce;
  tracker: LSTMCell;

  constructor(readonly c: SpinnConfig) {
    super();
    this.reduce = new Reduce(c.hidden, c.tracker);
    this.tracker = new LSTMCell(3 * c.hidden, c.tracker);
  }

  /**
   * `buffer` `[tokens, 2H]`: the leaves (h‖c) of all sentences in word-position-major order (see
   * {@link positionMajor}) → sentence encodings `[B, H]`.
   */
  forward(buffer: Tensor, sentences: readonly Sentence[]): Tensor {
    const H = this.c.hidden;
    const B = sentences.length;
    // One source per word position: gathers then read small tensors, and their gradients stay small.
    const { counts, rowOf } = positionMajor(sentences);
    const sources: Tensor[] = [zeros([1, 2 * H]), ...split(buffer, counts, 0)];
    const bufNext = sentences.map(() => 0);
    const leaf = (b: number): Ref => [1 + bufNext[b], rowOf[b][bufNext[b]]];
    const stacks: Ref[][] = sentences.map(() => [
      [0, 0],
      [0, 0],
    ]);
    const steps = Math.max(...sentences.map((s) => s.transitions.length));
    let state: [Tensor, Tensor] | null = null;
    for (let t = 0; t < steps; t++) {
      // transitions are left-padded: sentence b starts at step steps - len
      const ops = sentences.map((s) => {
        const k = t - (steps - s.transitions.length);
        return k >= 0 ? s.transitions[k] : 0;
      });
      const bufTop = sentences.map((s, b): Ref => (bufNext[b] < s.tokens.length ? leaf(b) : [0, 0]));
      const s1 = stacks.map((s) => s[s.length - 1]);
      const s2 = stacks.map((s) => s[s.length - 2]);
      // one gather for the tracker's three inputs: rows [buffer tops; stack tops; second entries]
      const tops = narrow(gather(sources, [...bufTop, ...s1, ...s2]), 1, 0, H);
      state = this.tracker.forward(
        tops
          .reshape([3, B, H])
          .transpose(0, 1)
          .reshape([B, 3 * H]),
        state,
      );
      const reducing: number[] = [];
      const lefts: Ref[] = [];
      const rights: Ref[] = [];
      for (let b = 0; b < B; b++) {
        if (ops[b] === SHIFT) {
          stacks[b].push(leaf(b));
          bufNext[b]++;
        } else if (ops[b] === REDUCE) {
          rights.push(stacks[b].pop()!);
          lefts.push(stacks[b].pop()!);
          reducing.push(b);
        }
      }
      if (reducing.length > 0) {
        const tracking = state[0].indexSelect(0, tensor(Int32Array.from(reducing), { dtype: 'int32' }));
        const R = reducing.length;
        const pairs = gather(sources, [...lefts, ...rights]);
        const out = this.reduce.forward(narrow(pairs, 0, 0, R), narrow(pairs, 0, R, R), tracking);
        const src = sources.length;
        sources.push(out);
        reducing.forEach((b, row) => {
          stacks[b].push([src, row]);
        });
      }
    }
    const [h] = chunk(
      gather(
        sources,
        stacks.map((s) => s[s.length - 1]),
      ),
      2,
      1,
    );
    return h;
  }
}

/**
 * Word-position-major layout of a batch of sentences: `counts[k]` sentences have a word at position
 * `k`, and sentence `b`'s word `k` is row `rowOf[b][k]` among them (in sentence order).
 */
export function positionMajor(sentences: readonly Sentence[]): { counts: number[]; rowOf: number[][] } {
  const longest = Math.max(...sentences.map((s) => s.tokens.length));
  const counts = new Array<number>(longest).fill(0);
  const rowOf = sentences.map((s) => s.tokens.map((_, k) => counts[k]++));
  return { counts, rowOf };
}

/** Token ids in word-position-major order (the order of the encoder's buffer). */
function positionMajorTokens(sentences: readonly Sentence[]): Int32Array {
  const longest = Math.max(...sentences.map((s) => s.tokens.length));
  const out: number[] = [];
  for (let k = 0; k < longest; k++) for (const s of sentences) if (k < s.tokens.length) out.push(s.tokens[k]);
  return Int32Array.from(out);
}

class SpinnClassifier extends Module {
  embed: Embedding;
  proj: Linear;
  encoder: Spinn;
  mlp1: Linear;
  mlp2: Linear;
  out: Linear;

  constructor(c: SpinnConfig) {
    super();
    this.embed = new Embedding(c.vocab, c.embed);
    this.embed.requiresGrad_(false); // fixed word vectors, as SPINN uses GloVe
    this.proj = new Linear(c.embed, 2 * c.hidden);
    this.encoder = new Spinn(c);
    this.mlp1 = new Linear(4 * c.hidden, c.mlp);
    this.mlp2 = new Linear(c.mlp, c.mlp);
    this.out = new Linear(c.mlp, c.classes);
  }

  encode(tokens: Tensor, sentences: readonly Sentence[]): Tensor {
    return this.encoder.forward(this.proj.forward(this.embed.forward(tokens)), sentences);
  }

  forward(premTokens: Tensor, hypTokens: Tensor, data: SpinnData): Tensor {
    const p = this.encode(premTokens, data.premises);
    const h = this.encode(hypTokens, data.hypotheses);
    const features = cat([p, h, p.sub(h), p.mul(h)], 1);
    return this.out.forward(this.mlp2.forward(this.mlp1.forward(features).relu()).relu());
  }
}

function sentence(rand: () => number, [lo, hi]: [number, number], vocab: number): Sentence {
  const n = randomInt(rand, lo, hi);
  return { tokens: [...randomTokens(rand, n, vocab)], transitions: randomTransitions(rand, n) };
}

/**
 * D. SPINN (Bowman et al. 2016) on SNLI-like pairs: 128 premise/hypothesis pairs of random binary
 * trees (premises 6–26 words, hypotheses 3–13), fixed 300-d word vectors projected to h‖c, a
 * TreeLSTM reduce (hidden 300) conditioned on a tracker LSTMCell (64), batched per transition step,
 * then an MLP on [p, h, p − h, p·h] over 3 classes; Adam.
 */
export const spinnWorkload: WorkloadSpec<SpinnConfig> = {
  id: 'D',
  title: 'SPINN: 128 pairs, hidden 300, tracker 64, TreeLSTM reduce, batched per transition, Adam',
  unit: 'pairs',
  full: {
    vocab: 20000,
    embed: 300,
    hidden: 300,
    tracker: 64,
    mlp: 1024,
    classes: 3,
    pairs: 128,
    premise: [6, 26],
    hypothesis: [3, 13],
    lr: 1e-3,
  },
  tiny: {
    vocab: 30,
    embed: 6,
    hidden: 5,
    tracker: 3,
    mlp: 8,
    classes: 3,
    pairs: 4,
    premise: [2, 5],
    hypothesis: [1, 4],
    lr: 1e-2,
  },
  data(c, seed): SpinnData {
    const rand = seededRandom(seed);
    const premises = Array.from({ length: c.pairs }, () => sentence(rand, c.premise, c.vocab));
    const hypotheses = Array.from({ length: c.pairs }, () => sentence(rand, c.hypothesis, c.vocab));
    return { premises, hypotheses, labels: [...randomTokens(rand, c.pairs, c.classes)] };
  },
  build(c, data): Workload {
    const d = data as SpinnData;
    const model = new SpinnClassifier(c);
    const opt = new Adam(
      model.parameters().filter((p) => p.requiresGrad),
      { lr: c.lr },
    );
    const prem = keep(tensor(positionMajorTokens(d.premises), { dtype: 'int32' }));
    const hyp = keep(tensor(positionMajorTokens(d.hypotheses), { dtype: 'int32' }));
    const labels = keep(tensor(Int32Array.from(d.labels), { dtype: 'int32' }));
    return {
      unitsPerStep: c.pairs,
      step: () =>
        tidy(() => {
          opt.zeroGrad();
          const loss = crossEntropy(model.forward(prem, hyp, d), labels);
          loss.backward();
          opt.step();
          return readLoss(loss);
        }),
      dispose() {
        opt.zeroGrad();
        model.dispose();
        prem.dispose();
        hyp.dispose();
        labels.dispose();
      },
    };
  },
};
