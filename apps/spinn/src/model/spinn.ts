import { checkTransitions, REDUCE, SHIFT } from '@rnn/data';
import { Module } from '@rnn/nn';
import { Categorical } from '@rnn/rl';
import { cat, type Generator, ShapeError, stack, type Tensor, tensor, ValueError, zeros } from '@rnn/tensor';
import { Reduce } from './reduce';
import { Tracker } from './tracker';

export { REDUCE, SHIFT };

/** One sentence for {@link Spinn.forward}: its length, and its transitions when they are given. */
export interface SpinnSentence {
  /** Number of words (its leaves are consecutive rows of the `leaves` tensor). */
  length: number;
  /** SHIFT (0) / REDUCE (1), `2·length − 1` of them: needed with `policy: 'given'`. */
  transitions?: ArrayLike<number>;
}

/** How {@link Spinn.forward} chooses the transitions. */
export type TransitionPolicy = 'given' | 'sample' | 'greedy';

/** Options of {@link Spinn.forward}. */
export interface SpinnForwardOptions {
  /**
   * `'given'` (default): each sentence's `transitions` (SPINN-PI: from the parser). `'sample'`: drawn
   * from the tracker's transition head (REINFORCE training); `'greedy'`: its most probable valid
   * transition (evaluation, prediction). Invalid transitions are masked in both: never REDUCE with
   * fewer than two entries on the stack, never SHIFT from an empty buffer.
   */
  policy?: TransitionPolicy;
  /** Generator of the sampled transitions (default: the default generator). */
  generator?: Generator;
  /** With given transitions and a transition head: return its logits and the targets (a supervised loss). */
  transitionLogits?: boolean;
}

/** What {@link Spinn.forward} returns (in the sentences' order). */
export interface SpinnOutput {
  /** `[S, H]`: the `h` of each sentence's root. */
  h: Tensor;
  /** The transitions each sentence went through. */
  transitions: number[][];
  /** With a policy: `Σ_t log π(a_t)` per sentence `[S]`, differentiable in the head and tracker. */
  logProb: Tensor | null;
  /** With a policy: the summed entropy of the decisions per sentence `[S]`. */
  entropy: Tensor | null;
  /** With `transitionLogits`: `[steps, 2]` logits of every step of every sentence, and their targets. */
  transitionLogits: { logits: Tensor; targets: Tensor } | null;
}

/** Hyper-parameters of {@link Spinn}. */
export interface SpinnConfig {
  /** Width `H` of the tree nodes (entries are `h‖c`, `2H` wide). */
  hidden: number;
  /** Width of the tracker LSTM; 0 for none (SPINN-PI-NT). */
  tracker: number;
  /** Give the tracker a SHIFT/REDUCE head (needed for the `'sample'` / `'greedy'` policies). */
  transitionHead: boolean;
}

/**
 * A stack entry, named by the transition step that pushed it (its value is the sentence's row of
 * that step's tops), or −1 for the zero entry under every stack.
 */
type StepRef = number;

/**
 * The SPINN encoder (Bowman et al. 2016), batched: every sentence has its own buffer and stack, and
 * at each transition step the tracker runs once for all sentences still parsing and Reduce once for
 * all those that reduce.
 *
 * The stacks are tensors ("thin stack"): `top` and `second` hold every sentence's two top entries
 * (`[n, 2H]`), and each step's new tops are kept as one tensor per step, so an entry is named by the
 * step that pushed it (host-side integers, the stack's structure). A step writes its results with
 * `indexCopy`: REDUCE rows replace the buffer rows SHIFT pushes (`top`), and the entry under the two
 * popped ones (looked up in the step tensors) replaces the old top (`second`). Nothing is copied per
 * entry and nothing grows with the stack's depth.
 *
 * Sentences are sorted by length inside (longest first), so the sentences still parsing at step `t`
 * are the first `n_t` rows, like a packed sequence: every per-step tensor is a prefix of the last.
 * The results come back in the input order and do not depend on the batch (tested: batched = one
 * sentence at a time, outputs and gradients).
 */
export class Spinn extends Module {
  reduce: Reduce;
  /** `null` without a tracker. */
  tracker: Tracker | null;

  constructor(readonly config: SpinnConfig) {
    super();
    if (config.transitionHead && config.tracker <= 0) {
      throw new ValueError('Spinn: a transition head needs a tracker (tracker > 0)');
    }
    this.reduce = new Reduce(config.hidden, config.tracker);
    this.tracker =
      config.tracker > 0 ? new Tracker(config.hidden, config.tracker, config.transitionHead) : null;
  }

  /**
   * Encodes sentences whose leaves are the rows of `leaves` (`[Σ lengths, 2H]`, `h‖c` per word,
   * sentence after sentence) → the roots' `h` `[S, H]`, in the sentences' order.
   */
  forward(
    leaves: Tensor,
    sentences: readonly SpinnSentence[],
    options: SpinnForwardOptions = {},
  ): SpinnOutput {
    const H = this.config.hidden;
    const policy = options.policy ?? 'given';
    const S = sentences.length;
    const total = sentences.reduce((n, s) => n + s.length, 0);
    if (S === 0) throw new ValueError('Spinn: no sentences');
    if (leaves.ndim !== 2 || leaves.shape[0] !== total || leaves.shape[1] !== 2 * H) {
      throw new ShapeError(
        `Spinn: leaves must be [${total}, ${2 * H}] (the words of all sentences, h‖c), got [${leaves.shape.join(', ')}]`,
      );
    }
    const head = this.tracker?.transition ?? null;
    if (policy !== 'given' && !head) {
      throw new ValueError(`Spinn: policy '${policy}' needs a tracker with a transition head`);
    }
    sentences.forEach((s, i) => {
      if (!Number.isInteger(s.length) || s.length < 1) {
        throw new ValueError(`Spinn: sentence ${i} has ${s.length} words; every sentence needs at least one`);
      }
      if (policy === 'given') {
        if (!s.transitions) throw new ValueError(`Spinn: sentence ${i} has no transitions (policy 'given')`);
        const problem = checkTransitions(s.transitions);
        const shifts = Array.from(s.transitions).filter((t) => t === SHIFT).length;
        if (problem || shifts !== s.length) {
          throw new ValueError(
            `Spinn: sentence ${i}: ${problem ?? `its transitions shift ${shifts} words, it has ${s.length}`}`,
          );
        }
      }
    });

    // Rows sorted by length, longest first: the sentences still parsing at any step are a prefix.
    const offsets = new Int32Array(S);
    for (let i = 1; i < S; i++) offsets[i] = offsets[i - 1] + sentences[i - 1].length;
    const order = Array.from({ length: S }, (_, i) => i).sort(
      (a, b) => sentences[b].length - sentences[a].length,
    );
    const length = order.map((i) => sentences[i].length);
    const steps = length.map((n) => 2 * n - 1);
    const opts = { dtype: leaves.dtype, backend: leaves.backend };
    const zero = zeros([1, 2 * H], opts);
    const words = cat([leaves, zero], 0); // row `total`: the empty buffer's top

    const bufNext = new Int32Array(S);
    // Each stack as the steps that pushed its entries, over two zero entries (−1).
    const stacks: StepRef[][] = order.map(() => [-1, -1]);
    const taken: number[][] = order.map(() => []);
    const history: Tensor[] = []; // history[t]: the tops after step t, one row per sentence parsing then
    let top = zeros([S, 2 * H], opts);
    let second = top;
    let state: [Tensor, Tensor] | null = null;
    const logProbs: Tensor[] = [];
    const entropies: Tensor[] = [];
    const stepLogits: Tensor[] = [];
    const targets: number[] = [];
    let n = S;

    for (let t = 0; t < steps[0]; t++) {
      while (steps[n - 1] <= t) n--;
      if (top.shape[0] > n) {
        top = top.narrow(0, 0, n);
        second = second.narrow(0, 0, n);
        if (state) state = [state[0].narrow(0, 0, n), state[1].narrow(0, 0, n)];
      }
      const bufIndex = new Int32Array(n);
      for (let r = 0; r < n; r++)
        bufIndex[r] = bufNext[r] < length[r] ? offsets[order[r]] + bufNext[r] : total;
      const buffer = words.indexSelect(0, tensor(bufIndex));
      if (this.tracker) state = this.tracker.forward(buffer, top, second, state);

      // The transitions of this step.
      const ops = new Int32Array(n);
      if (policy === 'given') {
        for (let r = 0; r < n; r++) ops[r] = sentences[order[r]].transitions![t];
        if (options.transitionLogits && head) {
          stepLogits.push(head.forward(state![0]));
          targets.push(...ops);
        }
      } else {
        const valid = new Uint8Array(2 * n);
        for (let r = 0; r < n; r++) {
          valid[2 * r] = bufNext[r] < length[r] ? 1 : 0; // SHIFT: a word is left
          valid[2 * r + 1] = stacks[r].length - 2 >= 2 ? 1 : 0; // REDUCE: two entries on the stack
        }
        const mask = tensor(valid, { shape: [n, 2], dtype: 'bool', backend: leaves.backend });
        const dist = new Categorical({ logits: head!.forward(state![0]) }, { mask, validateArgs: false });
        const action = policy === 'sample' ? dist.sample({ generator: options.generator }) : dist.mode();
        ops.set(action.dataSync());
        logProbs.push(padRows(dist.logProb(action), S));
        entropies.push(padRows(dist.entropy(), S));
      }

      // Apply them: SHIFT pushes the buffer's top; REDUCE composes the two top entries.
      const reducing: number[] = [];
      const thirds: [StepRef, number][] = [];
      for (let r = 0; r < n; r++) {
        taken[r].push(ops[r]);
        const st = stacks[r];
        if (ops[r] === SHIFT) {
          bufNext[r]++;
          st.push(t);
        } else {
          reducing.push(r);
          thirds.push([st[st.length - 3], r]);
          st.length -= 2;
          st.push(t);
        }
      }
      let newTop = buffer;
      let newSecond = top;
      if (reducing.length > 0) {
        const rows = tensor(Int32Array.from(reducing));
        const tracking = state ? state[0].indexSelect(0, rows) : null;
        const reduced = this.reduce.forward(second.indexSelect(0, rows), top.indexSelect(0, rows), tracking);
        const third = gatherEntries(history, zero, thirds);
        if (reducing.length === n) {
          newTop = reduced; // every sentence reduced: `reducing` is 0..n−1 in order
          newSecond = third;
        } else {
          newTop = buffer.indexCopy(0, rows, reduced);
          newSecond = top.indexCopy(0, rows, third);
        }
      }
      history.push(newTop);
      top = newTop;
      second = newSecond;
    }

    // Each sentence's root: the top after its last step. Back to the input order.
    const roots = gatherEntries(
      history,
      zero,
      steps.map((s, r) => [s - 1, r]),
    );
    const inverse = new Int32Array(S);
    order.forEach((i, r) => {
      inverse[i] = r;
    });
    const unsort = tensor(inverse);
    const h = roots.indexSelect(0, unsort).narrow(1, 0, H);
    const perSentence = (parts: Tensor[]) =>
      parts.length === 0 ? null : stack(parts, 0).sum(0).indexSelect(0, unsort);
    const transitions: number[][] = new Array(S);
    order.forEach((i, r) => {
      transitions[i] = taken[r];
    });
    return {
      h,
      transitions,
      logProb: perSentence(logProbs),
      entropy: perSentence(entropies),
      transitionLogits:
        stepLogits.length > 0
          ? { logits: cat(stepLogits, 0), targets: tensor(Int32Array.from(targets)) }
          : null,
    };
  }
}

/** `[n]` → `[S]` with zeros for the rows that have finished parsing. */
function padRows(x: Tensor, S: number): Tensor {
  return x.shape[0] === S ? x : cat([x, zeros([S - x.shape[0]], { dtype: x.dtype, backend: x.backend })], 0);
}

/**
 * Stack entries `(step, row)` (step −1: the zero entry) as one `[refs.length, 2H]` tensor: one
 * `indexSelect` per step tensor involved, a `cat`, and one `indexSelect` to restore the order.
 */
function gatherEntries(history: readonly Tensor[], zero: Tensor, refs: readonly [StepRef, number][]): Tensor {
  const byStep = new Map<number, number[]>();
  refs.forEach(([step], k) => {
    const list = byStep.get(step);
    if (list) list.push(k);
    else byStep.set(step, [k]);
  });
  const parts: Tensor[] = [];
  const order: number[] = [];
  for (const [step, ks] of byStep) {
    const source = step < 0 ? zero : history[step];
    const rows = step < 0 ? new Int32Array(ks.length) : Int32Array.from(ks, (k) => refs[k][1]);
    parts.push(source.indexSelect(0, tensor(rows)));
    order.push(...ks);
  }
  const all = parts.length === 1 ? parts[0] : cat(parts, 0);
  const inverse = new Int32Array(order.length);
  let identity = true;
  order.forEach((k, pos) => {
    inverse[k] = pos;
    if (k !== pos) identity = false;
  });
  return identity ? all : all.indexSelect(0, tensor(inverse));
}
