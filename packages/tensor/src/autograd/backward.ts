import { AutogradError, fmtShape } from '../errors';
import { watchDeviceMemory } from '../memory/device-growth';
import { tidy } from '../memory/scope';
import { onesLike } from '../ops/creation';
import { shapesEqual } from '../shape';
import { aliasOf, fromArray, fromStorage, type Tensor } from '../tensor';
import { noGradSync } from './grad-mode';
import type { GradNode, OuterGrad, ScatterGrad } from './node';

/**
 * Reverse-mode differentiation from `root`. Gradients are accumulated into the `.grad` of leaf tensors
 * that require grad. Each node's temporaries are freed as soon as it has run, and (unless
 * `retainGraph`) each node drops its saved tensors once used, as PyTorch frees the graph.
 *
 * Gradient accumulation and immutable storage: a tensor used `n` times receives `n` gradients. The
 * first sum is a new tensor (`prev.add(g)`) that the engine itself allocated in this call; nobody else
 * can hold it (not the user, not a saved tensor of the graph, not a pass-through alias), so the
 * remaining `n − 2` gradients are added into that buffer in place, through the backend's optional
 * in-place primitives (`Backend.addInto`, `Backend.indexAddInto`). Any other buffer is never written:
 * gradients produced by backward functions, the seed, and a leaf's `.grad` from an earlier `backward()`
 * call (which the user may hold) are summed out of place. The values are the same either way.
 */
export function backward(root: Tensor, gradient?: Tensor, retainGraph = false): void {
  if (!root.requiresGrad) {
    throw new AutogradError(
      `backward: the tensor ${fmtShape(root.shape)} ${root.dtype} does not require grad and has no grad_fn ` +
        '(set requiresGrad on the leaves before computing it, outside noGrad)',
    );
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new AutogradError(
        `backward: a gradient can be implied only for a single-element output, got shape ${fmtShape(root.shape)}; ` +
          'pass the gradient explicitly: t.backward(grad)',
      );
    }
    seed = onesLike(root);
  } else {
    if (!shapesEqual(gradient.shape, root.shape)) {
      throw new AutogradError(
        `backward: gradient shape ${fmtShape(gradient.shape)} does not match the output shape ${fmtShape(root.shape)}`,
      );
    }
    seed = aliasOf(gradient.dtype === root.dtype ? gradient : gradient.asType(root.dtype));
  }
  noGradSync(() => run(root, seed, retainGraph));
  watchDeviceMemory(root.backend);
}

function run(root: Tensor, seed: Tensor, retainGraph: boolean): void {
  const rootNode = root.gradFn;
  // Sums allocated by this call's accumulation (see `backward`): the only buffers written in place.
  const sums = new Set<Tensor>();
  const outer = new OuterSums();
  try {
    runGraph(root, rootNode, seed, retainGraph, sums, outer);
  } finally {
    outer.dispose();
  }
}

function runGraph(
  root: Tensor,
  rootNode: GradNode | null,
  seed: Tensor,
  retainGraph: boolean,
  sums: Set<Tensor>,
  outer: OuterSums,
): void {
  if (!rootNode) {
    accumulateLeaf(root, seed, sums);
    return;
  }
  // Count, for each node, how many input edges point at it, so it runs after all its consumers.
  const deps = new Map<GradNode, number>();
  const seen = new Set<GradNode>([rootNode]);
  const stack = [rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const input of node.inputs) {
      const n = input.gradFn;
      if (!n) continue;
      deps.set(n, (deps.get(n) ?? 0) + 1);
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }

  // Tensors the freed nodes owned: disposed when the pass is over (a later node may still read them).
  let owned: Tensor[] | null = null;
  const free = (node: GradNode) => {
    if (retainGraph) return;
    const o = node.free();
    if (o) (owned ??= []).push(...o);
  };
  const pending = new Map<GradNode, (Tensor | null)[]>();
  const rootGrads = new Array<Tensor | null>(rootNode.numOutputs).fill(null);
  rootGrads[root.outputIndex] = seed;
  pending.set(rootNode, rootGrads);
  const ready: GradNode[] = [rootNode];

  while (ready.length > 0) {
    const node = ready.pop()!;
    // the deferred outer-product gradients of this node's outputs are complete: every consumer ran
    outer.settleSlots(node, pending, sums);
    const outGrads = pending.get(node) ?? new Array<Tensor | null>(node.numOutputs).fill(null);
    pending.delete(node);
    const inputs = node.inputs;
    let inGrads: (Tensor | null)[] = [];
    // A scatter's result is a new buffer no one else holds: it may start a sum written in place.
    let freshSum: Tensor | null = null;
    if (outGrads.some((g) => g !== null)) {
      const fn = node.backwardFn;
      if (!fn) {
        throw new AutogradError(
          `backward: the graph through "${node.name}" was already freed by an earlier backward(); ` +
            'call backward({ retainGraph: true }) the first time to run it again',
        );
      }
      if (node.scatter && scatterIntoSum(node.scatter, inputs[0], outGrads[0]!, pending, sums)) {
        outGrads[0]!.dispose();
        releaseDeps(inputs, deps, ready);
        free(node);
        continue;
      }
      const o = node.outer;
      const deferred = o && outGrads[0] && inputs[o.input].requiresGrad ? o.input : -1;
      const needs = inputs.map((t, i) => t.requiresGrad && i !== deferred);
      inGrads = tidy(() => fn(outGrads, needs));
      if (deferred >= 0) outer.add(inputs[deferred], o!, outGrads[0]!);
      if (node.scatter) freshSum = inGrads[0] ?? null;
      // Every gradient in flight is owned by the engine: alias pass-through and repeated results.
      const owned = new Set<Tensor>(outGrads.filter((g): g is Tensor => g !== null));
      inGrads = inGrads.map((g) => {
        if (g === null) return null;
        if (owned.has(g)) return aliasOf(g);
        owned.add(g);
        return g;
      });
      for (const g of outGrads) g?.dispose();
    }
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const g = inGrads[i] ?? null;
      if (g && !input.requiresGrad) g.dispose();
      if (g && input.requiresGrad) {
        if (!shapesEqual(g.shape, input.shape)) {
          throw new AutogradError(
            `backward: internal error in "${node.name}": gradient ${fmtShape(g.shape)} for input ${fmtShape(input.shape)}`,
          );
        }
        const n = input.gradFn;
        if (!n) accumulateLeaf(input, g, sums);
        else {
          let slots = pending.get(n);
          if (!slots) {
            slots = new Array<Tensor | null>(n.numOutputs).fill(null);
            pending.set(n, slots);
          }
          const prev = slots[input.outputIndex];
          slots[input.outputIndex] = prev ? accumulate(prev, g, sums) : g;
        }
        if (g === freshSum && (n ? pending.get(n)![input.outputIndex] : input.grad) === g) sums.add(g);
      }
    }
    releaseDeps(inputs, deps, ready);
    free(node);
  }
  outer.settleLeaves((leaf, g) => accumulateLeaf(leaf, g, sums));
  if (owned) for (const t of owned as Tensor[]) t.disposeBecause('backward() freed the graph that owned it');
}

/** One deferred `aᵀ · b` term: `[rows, ·]` aliases of its operands, held until it is summed. */
interface OuterTerm {
  a: Tensor;
  b: Tensor;
}

/** The deferred gradient of one leaf or node output: its terms, and what earlier ones summed to. */
interface OuterEntry {
  terms: OuterTerm[];
  partial: Tensor | null;
}

/**
 * Above this many elements of deferred operands for one gradient (64 MiB of float32), the terms so
 * far are summed (one product) and the rest deferred again: deferring holds every use's output
 * gradient until the end.
 */
let outerMaxElements = 1 << 24;

/** @internal Sets the limit of {@link OuterSums} (tests reach it with small tensors); returns the old one. */
export function setOuterMaxElements(n: number): number {
  const old = outerMaxElements;
  outerMaxElements = n;
  return old;
}

/**
 * The deferred gradients of {@link OuterGrad} nodes: for each leaf, and each output of a node, the
 * terms `aᵀ · b` of its uses; summed as one product over the stacked rows (`[Σ rows, m]ᵀ · [Σ rows, n]`)
 * when the gradient is needed: a node's outputs when the node runs (all their consumers have), the
 * leaves when the pass is over.
 */
class OuterSums {
  private readonly leaves = new Map<Tensor, OuterEntry>();
  private readonly slots = new Map<GradNode, Map<number, OuterEntry>>();

  add(input: Tensor, o: OuterGrad, grad: Tensor): void {
    // [rows, last dimension] (not size / rows: a use may have no rows)
    const alias = (t: Tensor) => aliasOf(t, [o.rows, t.shape[t.ndim - 1]]);
    const term = { a: alias(o.a === 'grad' ? grad : o.a), b: alias(o.b === 'grad' ? grad : o.b) };
    const n = input.gradFn;
    let entry: OuterEntry | undefined;
    if (!n) {
      entry = this.leaves.get(input);
      if (!entry) this.leaves.set(input, (entry = { terms: [], partial: null }));
    } else {
      let bySlot = this.slots.get(n);
      if (!bySlot) this.slots.set(n, (bySlot = new Map()));
      entry = bySlot.get(input.outputIndex);
      if (!entry) bySlot.set(input.outputIndex, (entry = { terms: [], partial: null }));
    }
    entry.terms.push(term);
    let held = 0;
    for (const t of entry.terms) held += t.a.size + t.b.size;
    if (held > outerMaxElements) entry.partial = this.settle(entry);
  }

  /** Adds the summed terms of `node`'s outputs into their pending gradients. */
  settleSlots(node: GradNode, pending: Map<GradNode, (Tensor | null)[]>, sums: Set<Tensor>): void {
    const bySlot = this.slots.get(node);
    if (!bySlot) return;
    this.slots.delete(node);
    let slots = pending.get(node);
    if (!slots) pending.set(node, (slots = new Array<Tensor | null>(node.numOutputs).fill(null)));
    for (const [i, entry] of bySlot) {
      const g = this.settle(entry);
      const prev = slots[i];
      slots[i] = prev ? accumulate(prev, g, sums) : g;
    }
  }

  /** Hands every leaf its summed terms. */
  settleLeaves(give: (leaf: Tensor, g: Tensor) => void): void {
    for (const [leaf, entry] of this.leaves) give(leaf, this.settle(entry));
    this.leaves.clear();
  }

  /** Frees the terms still held (a pass that threw). */
  dispose(): void {
    const drop = (entry: OuterEntry) => {
      for (const t of entry.terms) {
        t.a.dispose();
        t.b.dispose();
      }
      entry.partial?.dispose();
    };
    for (const entry of this.leaves.values()) drop(entry);
    for (const bySlot of this.slots.values()) for (const entry of bySlot.values()) drop(entry);
    this.leaves.clear();
    this.slots.clear();
  }

  /** The entry's sum so far, its terms multiplied (and disposed) and added to the earlier part. */
  private settle(entry: OuterEntry): Tensor {
    const prev = entry.partial;
    entry.partial = null;
    if (entry.terms.length === 0) return prev!; // every term already in the partial sum
    const sum = this.sumOf(entry.terms);
    entry.terms = [];
    return prev ? addDisposing(prev, sum) : sum;
  }

  /** `Σ aᵀ · b` over the terms (at least one), as one product of their stacked rows; disposes the terms. */
  private sumOf(list: OuterTerm[]): Tensor {
    const { backend, dtype } = list[0].a;
    const [m, n] = [list[0].a.shape[1], list[0].b.shape[1]];
    const stacked = (part: 'a' | 'b', cols: number): Tensor => {
      if (list.length === 1) return list[0][part];
      const rows = list.reduce((r, t) => r + t[part].shape[0], 0);
      const parts = list.map((t) => t[part]);
      return fromStorage(backend, backend.concat(parts, 0), [rows, cols], dtype);
    };
    const a = stacked('a', m);
    const b = stacked('b', n);
    const rows = a.shape[0];
    const out = fromStorage(
      backend,
      backend.matmul(
        { storage: a.storage, shape: [1, rows, m], dtype },
        { storage: b.storage, shape: [1, rows, n], dtype },
        true,
        false,
      ),
      [m, n],
      dtype,
    );
    if (list.length > 1) {
      a.dispose();
      b.dispose();
    }
    for (const t of list) {
      t.a.dispose();
      t.b.dispose();
    }
    return out;
  }
}

/** `x + y` as a new tensor, disposing both. */
function addDisposing(x: Tensor, y: Tensor): Tensor {
  const sum = x.add(y);
  x.dispose();
  y.dispose();
  return sum;
}

/** Counts a node's inputs as done; their nodes become ready once all their consumers have run. */
function releaseDeps(inputs: readonly Tensor[], deps: Map<GradNode, number>, ready: GradNode[]): void {
  for (const input of inputs) {
    const n = input.gradFn;
    if (!n) continue;
    const left = deps.get(n)! - 1;
    deps.set(n, left);
    if (left === 0) ready.push(n);
  }
}

/**
 * Adds a scatter gradient (see {@link ScatterGrad}) straight into the gradient sum of `input` when
 * that sum is a buffer this call allocated and nothing else holds; false otherwise (nothing done).
 */
function scatterIntoSum(
  scatter: ScatterGrad,
  input: Tensor,
  g: Tensor,
  pending: Map<GradNode, (Tensor | null)[]>,
  sums: Set<Tensor>,
): boolean {
  if (!input.requiresGrad) return false;
  const prev = input.gradFn ? pending.get(input.gradFn)?.[input.outputIndex] : input.grad;
  if (!prev || !sums.has(prev) || prev.isDisposed || prev.ref.holders !== 1) return false;
  const backend = prev.backend;
  if (!backend.indexAddInto || g.backend !== backend || g.dtype !== prev.dtype) return false;
  if ('index' in scatter) return backend.indexAddInto(prev, scatter.axis, scatter.index, g);
  const rows = new Int32Array(g.shape[scatter.axis]);
  for (let k = 0; k < rows.length; k++) rows[k] = scatter.start + k * scatter.step;
  const index = fromArray(backend, rows, [rows.length], 'int32');
  try {
    return backend.indexAddInto(prev, scatter.axis, index, g);
  } finally {
    index.dispose();
  }
}

/** `dst += src` in place through the backend's `addInto`, when it has one and takes these tensors. */
function addInto(dst: Tensor, src: Tensor): boolean {
  const backend = dst.backend;
  if (!backend.addInto || src.backend !== backend || src.dtype !== dst.dtype) return false;
  if (!shapesEqual(dst.shape, src.shape)) return false;
  return backend.addInto(dst, src);
}

function accumulateLeaf(leaf: Tensor, g: Tensor, sums: Set<Tensor>): void {
  const grad = g.dtype === leaf.dtype ? g : g.asType(leaf.dtype);
  if (grad !== g) g.dispose();
  const prev = leaf.grad;
  leaf.grad = prev ? accumulate(prev, grad, sums) : grad;
  leaf.grad.kept = true;
}

/**
 * `prev + g`, consuming both. In place into `prev` when this call allocated it (`sums`) and it is its
 * storage's only reference; otherwise a new tensor, which joins `sums`.
 */
function accumulate(prev: Tensor, g: Tensor, sums: Set<Tensor>): Tensor {
  if (sums.has(prev) && !prev.isDisposed && prev.ref.holders === 1 && addInto(prev, g)) {
    g.dispose();
    return prev;
  }
  const sum = prev.add(g);
  sums.delete(prev);
  prev.dispose();
  g.dispose();
  sums.add(sum);
  return sum;
}
