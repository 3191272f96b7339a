import { getCpuAccelerator } from '../cpu/accelerator';
import { AutogradError, fmtShape } from '../errors';
import { tidy } from '../memory/scope';
import { onesLike } from '../ops/creation';
import { shapesEqual } from '../shape';
import { aliasOf, type Tensor } from '../tensor';
import { noGrad } from './grad-mode';
import type { GradNode } from './node';

/**
 * Reverse-mode differentiation from `root`. Gradients are accumulated into the `.grad` of leaf tensors
 * that require grad. Each node's temporaries are freed as soon as it has run, and (unless
 * `retainGraph`) each node drops its saved tensors once used, as PyTorch frees the graph.
 *
 * Gradient accumulation and immutable storage: a tensor used `n` times receives `n` gradients. The
 * first sum is a new tensor (`prev.add(g)`) that the engine itself allocated in this call; nobody else
 * can hold it (not the user, not a saved tensor of the graph, not a pass-through alias), so the
 * remaining `n − 2` gradients are added into that buffer in place where the backend allows it (CPU
 * float storage). Any other buffer is never written: gradients produced by backward functions, the
 * seed, and a leaf's `.grad` from an earlier `backward()` call (which the user may hold) are summed
 * out of place, as before. The values are the same either way (the same float additions, in order).
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
  noGrad(() => run(root, seed, retainGraph));
}

function run(root: Tensor, seed: Tensor, retainGraph: boolean): void {
  const rootNode = root.gradFn;
  // Sums allocated by this call's accumulation (see `backward`): the only buffers written in place.
  const sums = new Set<Tensor>();
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

  const pending = new Map<GradNode, (Tensor | null)[]>();
  const rootGrads = new Array<Tensor | null>(rootNode.numOutputs).fill(null);
  rootGrads[root.outputIndex] = seed;
  pending.set(rootNode, rootGrads);
  const ready: GradNode[] = [rootNode];

  while (ready.length > 0) {
    const node = ready.pop()!;
    const outGrads = pending.get(node) ?? new Array<Tensor | null>(node.numOutputs).fill(null);
    pending.delete(node);
    const inputs = node.inputs;
    let inGrads: (Tensor | null)[] = [];
    if (outGrads.some((g) => g !== null)) {
      const fn = node.backwardFn;
      if (!fn) {
        throw new AutogradError(
          `backward: the graph through "${node.name}" was already freed by an earlier backward(); ` +
            'call backward({ retainGraph: true }) the first time to run it again',
        );
      }
      const needs = inputs.map((t) => t.requiresGrad);
      inGrads = tidy(() => fn(outGrads, needs));
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
    if (!retainGraph) node.backwardFn = null;

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
      }
      const n = input.gradFn;
      if (n) {
        const left = deps.get(n)! - 1;
        deps.set(n, left);
        if (left === 0) ready.push(n);
      }
    }
  }
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
  if (sums.has(prev) && !prev.isDisposed && prev.ref.refs === 1 && addInPlace(prev, g)) {
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

/** `dst += src` on CPU float storage of the same shape and dtype; false where it cannot (other backends). */
function addInPlace(dst: Tensor, src: Tensor): boolean {
  if (dst.backend !== src.backend || dst.dtype !== src.dtype || !shapesEqual(dst.shape, src.shape))
    return false;
  const d = dst.storage;
  const s = src.storage;
  const n = dst.size;
  if (d instanceof Float32Array && s instanceof Float32Array) {
    if (d.length < n || s.length < n) return false;
    const acc = getCpuAccelerator();
    // The native loop reads element i of both operands before it writes element i of the output,
    // so an output that is exactly the first operand is safe.
    if (acc?.binary && n >= 1024) acc.binary(0, n, d, s, d);
    else for (let i = 0; i < n; i++) d[i] += s[i];
    return true;
  }
  if (d instanceof Float64Array && s instanceof Float64Array) {
    if (d.length < n || s.length < n) return false;
    for (let i = 0; i < n; i++) d[i] += s[i];
    return true;
  }
  return false;
}
