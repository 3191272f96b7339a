import { REDUCE, SHIFT } from '@rnn/data';

/** A small seeded generator of numbers in [0, 1) (mulberry32), for reproducible random trees. */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random binary tree over `n` leaves as a shift-reduce sequence (`2n − 1` transitions). */
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

/** The right-branching tree `( w1 ( w2 ( … wn ) ) )`: shift every word, then reduce. */
export function rightBranching(n: number): number[] {
  return [...new Array(n).fill(SHIFT), ...new Array(n - 1).fill(REDUCE)];
}

/** The left-branching tree `( ( ( w1 w2 ) … ) wn )`: reduce as soon as two entries are on the stack. */
export function leftBranching(n: number): number[] {
  const out = [SHIFT];
  for (let i = 1; i < n; i++) out.push(SHIFT, REDUCE);
  return out;
}

/** The constituents of a tree as word spans `[start, end)` (post-order), the whole sentence last. */
export function treeSpans(transitions: ArrayLike<number>): [number, number][] {
  const stack: [number, number][] = [];
  const spans: [number, number][] = [];
  let next = 0;
  for (let i = 0; i < transitions.length; i++) {
    if (transitions[i] === SHIFT) {
      stack.push([next, next + 1]);
      next++;
    } else {
      const right = stack.pop()!;
      const left = stack.pop()!;
      const span: [number, number] = [left[0], right[1]];
      spans.push(span);
      stack.push(span);
    }
  }
  return spans;
}

/** Depth of a tree: the most REDUCEs on a path from a word to the root (a single word: 0). */
export function treeDepth(transitions: ArrayLike<number>): number {
  const depths: number[] = [];
  let deepest = 0;
  for (let i = 0; i < transitions.length; i++) {
    if (transitions[i] === SHIFT) depths.push(0);
    else {
      const d = Math.max(depths.pop()!, depths.pop()!) + 1;
      deepest = Math.max(deepest, d);
      depths.push(d);
    }
  }
  return deepest;
}

/** Counts for unlabelled bracketing F1 between two trees over the same words (root and words left out). */
export function spanMatches(
  predicted: ArrayLike<number>,
  gold: ArrayLike<number>,
): { matched: number; predicted: number; gold: number } {
  const key = ([a, b]: [number, number]) => `${a}:${b}`;
  const inner = (t: ArrayLike<number>) => treeSpans(t).slice(0, -1); // the root always matches
  const goldSpans = new Set(inner(gold).map(key));
  const predictedSpans = inner(predicted);
  const matched = predictedSpans.filter((s) => goldSpans.has(key(s))).length;
  return { matched, predicted: predictedSpans.length, gold: goldSpans.size };
}

/** What the trees of a set of sentences look like, and how close they are to reference trees. */
export class TreeStats {
  private sentences = 0;
  private depth = 0;
  private normalisedDepth = 0;
  private normalisedCount = 0;
  private reduces = 0;
  private transitions = 0;
  private freeChoices = 0;
  private freeReduces = 0;
  private identical = 0;
  private matched = 0;
  private predictedSpans = 0;
  private goldSpans = 0;
  private compared = 0;

  /** Adds a tree (and the reference tree of the same sentence, when there is one). */
  add(transitions: ArrayLike<number>, reference?: ArrayLike<number>): void {
    const n = (transitions.length + 1) / 2;
    this.sentences++;
    const depth = treeDepth(transitions);
    this.depth += depth;
    // Depth relative to the deepest tree possible (n − 1), for sentences of 3 words or more.
    if (n >= 3) {
      this.normalisedDepth += depth / (n - 1);
      this.normalisedCount++;
    }
    let stackSize = 0;
    let shifted = 0;
    for (let i = 0; i < transitions.length; i++) {
      const t = transitions[i];
      const canShift = shifted < n;
      const canReduce = stackSize >= 2;
      if (canShift && canReduce) {
        this.freeChoices++;
        if (t === REDUCE) this.freeReduces++;
      }
      if (t === SHIFT) {
        stackSize++;
        shifted++;
      } else {
        stackSize--;
        this.reduces++;
      }
      this.transitions++;
    }
    if (reference) {
      this.compared++;
      const m = spanMatches(transitions, reference);
      this.matched += m.matched;
      this.predictedSpans += m.predicted;
      this.goldSpans += m.gold;
      let same = transitions.length === reference.length;
      for (let i = 0; same && i < transitions.length; i++) same = transitions[i] === reference[i];
      if (same) this.identical++;
    }
  }

  /**
   * `reduceFraction`: REDUCEs among all transitions (fixed by the lengths: `(n − 1)/(2n − 1)`);
   * `freeReduceFraction`: REDUCEs among the decisions where both were allowed (0: right-branching,
   * 1: left-branching); `meanDepth` and `meanNormalisedDepth` (depth / (n − 1), sentences of 3+
   * words; 1 for a chain); against the reference trees: unlabelled bracketing `spanF1` (micro, the
   * root and single words left out) and the share of `identicalTrees`.
   */
  summary(): Record<string, number> {
    const f1 =
      this.predictedSpans + this.goldSpans === 0
        ? 1
        : (2 * this.matched) / (this.predictedSpans + this.goldSpans);
    const out: Record<string, number> = {
      sentences: this.sentences,
      reduceFraction: this.reduces / this.transitions,
      freeReduceFraction: this.freeChoices === 0 ? 0 : this.freeReduces / this.freeChoices,
      meanDepth: this.depth / this.sentences,
      meanNormalisedDepth: this.normalisedDepth / Math.max(1, this.normalisedCount),
    };
    if (this.compared > 0) {
      out.spanF1 = f1;
      out.identicalTrees = this.identical / this.compared;
    }
    return out;
  }
}
