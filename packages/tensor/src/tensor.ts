import { isGradEnabled } from './autograd/grad-mode';
import { type BackwardFn, GradNode } from './autograd/node';
import type { Backend, Storage, TensorSpec } from './backend/backend';
import { findBackend } from './backend/registry';
import { bytesPerElement, type DType, isFloat, type TypedArray } from './dtype';
import { processWide } from './engine/process-state';
import { AutogradError, BackendError, DisposedError, DTypeError, fmtShape, ShapeError } from './errors';
import { DataRef, type Lease } from './memory/data-ref';
import { trackTensor } from './memory/scope';
import type { MultinomialOptions } from './ops/multinomial';
import { ops } from './ops/table';
import type { TopkOptions, TopkResult } from './ops/topk';
import { type Shape, sizeOf } from './shape';

/** Nested number arrays, as returned by {@link Tensor.array}. */
export type NestedArray = number | NestedArray[];

const ids = processWide('tensorIds/v1', () => ({ next: 0 }));

/**
 * The collector's path: a tensor that was never disposed gives its storage back when it is
 * garbage-collected. The callback holds the storage's lease, never the storage, so the storage itself
 * (a typed array on the CPU) is reclaimed with the tensor even in a loop that never yields; only the
 * counts wait for the callback, which runs between event-loop tasks.
 */
const finalizer = new FinalizationRegistry<Lease>((lease) => {
  lease.stats.tensors--;
  lease.collected();
});

/**
 * An n-dimensional array on a backend, with autograd.
 *
 * Tensors are immutable: every op returns a new tensor. Storage may be shared between tensors
 * (`reshape` shares it). It is freed when the last tensor using it is disposed or, for tensors nobody
 * disposes, when they are garbage-collected: a plain training loop needs no `dispose` and no scope.
 */
export class Tensor implements TensorSpec {
  /** Distinguishes tensors from plain objects without `instanceof` (works across bundle copies). */
  readonly isTensor = true;
  /** A number unique to this tensor in the process (creation order): for debugging and maps. */
  readonly id = ids.next++;
  /** The node that produced this tensor, or `null` for leaves and tensors made without grad. */
  gradFn: GradNode | null = null;
  /** Which output of `gradFn` this tensor is. */
  outputIndex = 0;
  /** Accumulated gradient (leaves that require grad only). */
  grad: Tensor | null = null;
  /** @internal Set by `keep()`: scopes do not dispose it. */
  kept = false;
  private _requiresGrad = false;
  private _ref: DataRef | null;
  private _disposedBy: string | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(
    ref: DataRef,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {
    this._ref = ref;
    ref.lease.stats.tensors++;
    finalizer.register(this, ref.lease, this);
    trackTensor(this);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The backend that holds this tensor's storage. */
  get backend(): Backend {
    return this.ref.backend;
  }

  /** @internal The backend storage (throws if disposed). */
  get storage(): Storage {
    return this.ref.storage;
  }

  /** @internal */
  get ref(): DataRef {
    if (!this._ref) throw usedAfterDispose(this, this._disposedBy ?? 'it was disposed');
    return this._ref;
  }

  /** Whether `dispose()` was called (directly or by a scope). */
  get isDisposed(): boolean {
    return this._ref === null;
  }

  /** Whether gradients flow to (and, for leaves, accumulate in) this tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /**
   * Turns gradients on or off for a leaf. Only floating-point tensors can require grad, and a
   * computed tensor cannot turn them off (an `AutogradError`; use `detach()`).
   */
  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new AutogradError(
        `requiresGrad: only floating-point tensors can require grad, got ${this.dtype}`,
      );
    }
    if (!value && this.gradFn) {
      throw new AutogradError('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this._requiresGrad = value;
  }

  /** Sets `requiresGrad` and returns this tensor, for chaining. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** Whether this tensor was created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * Frees the storage now (idempotent), into the backend's pool. Optional: a tensor nobody references
   * is reclaimed by the garbage collector anyway; disposing is the faster path. Using the tensor
   * afterwards throws a `DisposedError`.
   */
  dispose(): void {
    this.disposeBecause('dispose() was called on it');
  }

  /** @internal {@link dispose}, recording who disposed it for the error of a later use. */
  disposeBecause(reason: string): void {
    const ref = this._ref;
    if (!ref) return;
    this._ref = null;
    this._disposedBy = reason;
    finalizer.unregister(this);
    ref.lease.stats.tensors--;
    ref.release();
    this.gradFn = null;
  }

  /** `using t = ...` support (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- reading data
  /** Reads the elements (row-major) to a typed array. */
  async data(): Promise<TypedArray> {
    return this.backend.read(this.storage, this.dtype, this.size);
  }

  /** Synchronous read; only on backends that can (the CPU backend). */
  dataSync(): TypedArray {
    const b = this.backend;
    if (!b.readSync) {
      throw new BackendError(`dataSync: backend "${b.name}" reads asynchronously; use \`await t.data()\``);
    }
    return b.readSync(this.storage, this.dtype, this.size);
  }

  /** Reads the elements as nested arrays shaped like the tensor. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** Synchronous {@link array}. */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** The value of a single-element tensor. */
  async item(): Promise<number> {
    checkSingle(this);
    return (await this.data())[0];
  }

  /** Synchronous {@link item}. */
  itemSync(): number {
    checkSingle(this);
    return this.dataSync()[0];
  }

  /** Shape, dtype, backend and (for small CPU tensors) the values, for logs. */
  toString(): string {
    const head = `Tensor(${fmtShape(this.shape)}, ${this.dtype}, ${this.backend.name}`;
    if (!this.backend.readSync || this.size > 64) return `${head})`;
    return `${head}, ${JSON.stringify(this.arraySync())})`;
  }

  // ---------------------------------------------------------------- autograd
  /**
   * Computes gradients of this tensor with respect to the leaves that require grad, accumulating
   * them into their `.grad`. A non-scalar tensor needs an explicit `gradient` of its shape.
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    ops.backward(this, gradient, options.retainGraph ?? false);
  }

  /** A tensor sharing this one's data, cut from the autograd graph. */
  detach(): Tensor {
    return aliasOf(this);
  }

  /** A copy of the data, differentiable. */
  clone(): Tensor {
    return ops.sh.clone(this);
  }

  /**
   * Replaces this tensor's data with `value`'s (same shape and dtype), without recording autograd:
   * how optimizers update parameters in place. `value` keeps its own data too (storage is shared).
   */
  assign(value: Tensor): this {
    ops.sh.checkAssign(this, value);
    const ref = value.ref.retain();
    this.ref.release();
    this._ref = ref;
    finalizer.unregister(this);
    finalizer.register(this, ref.lease, this);
    return this;
  }

  /** Copies this tensor to another backend (by name or instance). Needs a synchronous read on the source. */
  to(target: string | Backend): Tensor {
    const backend = typeof target === 'string' ? findBackend(target) : target;
    if (backend === this.backend) return this;
    const moved = fromArray(backend, this.dataSync(), this.shape, this.dtype);
    return record('to', [this], moved, ([g]) => [moveGradBack(g!, this.backend)]);
  }

  /** Asynchronous {@link to}, for sources that read asynchronously (GPU backends). */
  async toAsync(target: string | Backend): Promise<Tensor> {
    const backend = typeof target === 'string' ? findBackend(target) : target;
    if (backend === this.backend) return this;
    const moved = fromArray(backend, await this.data(), this.shape, this.dtype);
    return record('to', [this], moved, ([g]) => [moveGradBack(g!, this.backend)]);
  }

  /** Converts to another dtype (differentiable between float types). */
  asType(dtype: DType): Tensor {
    return ops.ew.cast(this, dtype);
  }

  /** A float32 copy (`t.asType('float32')`). */
  float(): Tensor {
    return ops.ew.cast(this, 'float32');
  }

  /** A float64 copy (CPU backend only; used by gradient checks). */
  double(): Tensor {
    return ops.ew.cast(this, 'float64');
  }

  /** An int32 copy, truncating toward zero (indices, class targets). */
  int(): Tensor {
    return ops.ew.cast(this, 'int32');
  }

  /** A bool copy: true where the element is non-zero. */
  bool(): Tensor {
    return ops.ew.cast(this, 'bool');
  }

  // ---------------------------------------------------------------- elementwise
  /**
   * `this + other`, broadcasting, with PyTorch's type promotion.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).add(tensor([10, 20])); // [[11, 22], [13, 24]]
   * ```
   */
  add(other: Tensor | number): Tensor {
    return ops.ew.add(this, other);
  }
  /** `this - other`, broadcasting. */
  sub(other: Tensor | number): Tensor {
    return ops.ew.sub(this, other);
  }
  /** `this * other` elementwise, broadcasting. */
  mul(other: Tensor | number): Tensor {
    return ops.ew.mul(this, other);
  }
  /** `this / other`, broadcasting; integer operands give float32 (true division, as PyTorch). */
  div(other: Tensor | number): Tensor {
    return ops.ew.div(this, other);
  }
  /** `this ** exponent` elementwise, broadcasting. */
  pow(exponent: Tensor | number): Tensor {
    return ops.ew.pow(this, exponent);
  }
  /** Elementwise maximum (`torch.maximum`); ties share the gradient. */
  maximum(other: Tensor | number): Tensor {
    return ops.ew.maximum(this, other);
  }
  /** Elementwise minimum (`torch.minimum`); ties share the gradient. */
  minimum(other: Tensor | number): Tensor {
    return ops.ew.minimum(this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return ops.ew.neg(this);
  }
  /** `e ** this` elementwise. */
  exp(): Tensor {
    return ops.ew.exp(this);
  }
  /** Natural logarithm elementwise. */
  log(): Tensor {
    return ops.ew.log(this);
  }
  /** Square root elementwise. */
  sqrt(): Tensor {
    return ops.ew.sqrt(this);
  }
  /** Absolute value elementwise. */
  abs(): Tensor {
    return ops.ew.abs(this);
  }
  /** Hyperbolic tangent elementwise. */
  tanh(): Tensor {
    return ops.ew.tanh(this);
  }
  /** Logistic sigmoid `1 / (1 + e^-x)` elementwise. */
  sigmoid(): Tensor {
    return ops.ew.sigmoid(this);
  }
  /** `max(x, 0)` elementwise. */
  relu(): Tensor {
    return ops.ew.relu(this);
  }
  /** -1, 0 or 1 elementwise (gradient 0). */
  sign(): Tensor {
    return ops.ew.sign(this);
  }
  /** `this * this`. */
  square(): Tensor {
    return ops.ew.mul(this, this);
  }
  /** Limits every element to `[min, max]` (either bound may be omitted), as `torch.clamp`. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.ew.clamp(this, min, max);
  }
  /** `this == other` elementwise, as a bool tensor (broadcasting). */
  eq(other: Tensor | number): Tensor {
    return ops.ew.compare('eq', this, other);
  }
  /** `this != other` elementwise, as a bool tensor. */
  ne(other: Tensor | number): Tensor {
    return ops.ew.compare('ne', this, other);
  }
  /** `this < other` elementwise, as a bool tensor. */
  lt(other: Tensor | number): Tensor {
    return ops.ew.compare('lt', this, other);
  }
  /** `this <= other` elementwise, as a bool tensor. */
  le(other: Tensor | number): Tensor {
    return ops.ew.compare('le', this, other);
  }
  /** `this > other` elementwise, as a bool tensor. */
  gt(other: Tensor | number): Tensor {
    return ops.ew.compare('gt', this, other);
  }
  /** `this >= other` elementwise, as a bool tensor. */
  ge(other: Tensor | number): Tensor {
    return ops.ew.compare('ge', this, other);
  }
  /** Logical not of a bool tensor. */
  logicalNot(): Tensor {
    return ops.ew.logicalNot(this);
  }
  /** Logical and of bool tensors (broadcasting). */
  logicalAnd(other: Tensor): Tensor {
    return ops.ew.logicalAnd(this, other);
  }
  /** Logical or of bool tensors (broadcasting). */
  logicalOr(other: Tensor): Tensor {
    return ops.ew.logicalOr(this, other);
  }
  /** `where(mask, value, this)`: elements where `mask` is true become `value`. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.ew.maskedFill(this, mask, value);
  }

  // ---------------------------------------------------------------- reductions
  /**
   * Sum over `axis` (one or several; all when omitted), dropping the reduced dimensions unless `keepDim`.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).sum(1); // [3, 7]
   * ```
   */
  sum(axis?: number | readonly number[], keepDim = false): Tensor {
    return ops.red.sum(this, axis, keepDim);
  }
  /** Mean over `axis` (all when omitted); integer tensors give float32. */
  mean(axis?: number | readonly number[], keepDim = false): Tensor {
    return ops.red.mean(this, axis, keepDim);
  }
  /** Maximum values over axes (gradient shared evenly among ties, like `torch.amax`). */
  max(axis?: number | readonly number[], keepDim = false): Tensor {
    return ops.red.max(this, axis, keepDim);
  }
  /** Minimum values over axes (gradient shared evenly among ties, like `torch.amin`). */
  min(axis?: number | readonly number[], keepDim = false): Tensor {
    return ops.red.min(this, axis, keepDim);
  }
  /** Index (int32) of the first maximum along `axis`, or of the flattened tensor when omitted. */
  argmax(axis?: number, keepDim = false): Tensor {
    return ops.red.argmax(this, axis, keepDim);
  }
  /** Index (int32) of the first minimum along `axis`, or of the flattened tensor when omitted. */
  argmin(axis?: number, keepDim = false): Tensor {
    return ops.red.argmin(this, axis, keepDim);
  }
  /** `log(sum(exp(this)))` over `axis`, computed stably. */
  logsumexp(axis: number | readonly number[], keepDim = false): Tensor {
    return ops.red.logsumexp(this, axis, keepDim);
  }

  // ---------------------------------------------------------------- linear algebra
  /**
   * Matrix product with `torch.matmul` semantics: vectors, matrices and batches with broadcasting.
   *
   * @example
   * ```ts
   * randn([8, 3, 4]).matmul(randn([4, 5])).shape; // [8, 3, 5]
   * ```
   */
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }

  // ---------------------------------------------------------------- shape
  /** The same data with another shape (one dimension may be -1). Shares storage: no copy. */
  reshape(shape: readonly number[]): Tensor {
    return ops.sh.reshape(this, shape);
  }
  /** Same as {@link reshape} (storage is always contiguous, so a view never fails). */
  view(shape: readonly number[]): Tensor {
    return ops.sh.reshape(this, shape);
  }
  /** Merges dimensions `startDim..endDim` into one (shares storage). */
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.sh.flatten(this, startDim, endDim);
  }
  /** Reorders dimensions: output dimension `i` is input dimension `dims[i]` (a copy: storage is contiguous). */
  permute(dims: readonly number[]): Tensor {
    return ops.sh.permute(this, dims);
  }
  /** Swaps two dimensions (a copy). */
  transpose(dim0: number, dim1: number): Tensor {
    return ops.sh.transpose(this, dim0, dim1);
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    return ops.sh.transpose2d(this);
  }
  /** Removes dimension `dim` if it has size 1, or every size-1 dimension when omitted. */
  squeeze(dim?: number): Tensor {
    return ops.sh.squeeze(this, dim);
  }
  /** Inserts a size-1 dimension at `dim`. */
  unsqueeze(dim: number): Tensor {
    return ops.sh.unsqueeze(this, dim);
  }
  /** Broadcasts to `shape` (`-1` keeps a dimension). */
  expand(shape: readonly number[]): Tensor {
    return ops.sh.expand(this, shape);
  }
  /** Broadcasts to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return ops.sh.expand(this, other.shape);
  }
  /** `x[..., start:end:step, ...]` along `dim` (negative and omitted bounds as in Python). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return ops.sh.slice(this, dim, start, end, step);
  }
  /** `length` entries of `dim` from `start` (as `torch.narrow`). */
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.sh.narrow(this, dim, start, length);
  }
  /** `x[..., index, ...]` along `dim`: removes that dimension. */
  select(dim: number, index: number): Tensor {
    return ops.sh.select(this, dim, index);
  }
  /** Reverses the order of elements along `dims`. */
  flip(dims: number | readonly number[]): Tensor {
    return ops.sh.flip(this, dims);
  }
  /** Splits along `dim` into pieces of `splitSize` (the last may be smaller), or of the listed sizes. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return ops.sh.split(this, splitSize, dim);
  }
  /** Splits along `dim` into `chunks` pieces of (nearly) equal size, as `torch.chunk`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.sh.chunk(this, chunks, dim);
  }

  // ---------------------------------------------------------------- indexing
  /** Entries along `dim` picked by a 1-D int32 `index` (the embedding lookup), as `torch.index_select`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.idx.indexSelect(this, dim, index);
  }
  /** `torch.gather`: `out[i][j] = this[index[i][j]][j]` for `dim = 0`, and so on; `index` is int32. */
  gather(dim: number, index: Tensor): Tensor {
    return ops.idx.gather(this, dim, index);
  }
  /** This tensor with the entries at `index` along `dim` replaced by `source` (see {@link indexCopy}). */
  indexCopy(dim: number, index: Tensor, source: Tensor): Tensor {
    return ops.idx.indexCopy(this, dim, index, source);
  }
  /** The `k` largest (or smallest) elements along `dim` and their indices (see {@link topk}). */
  topk(k: number, dim = -1, options?: TopkOptions): TopkResult {
    return ops.topk(this, k, dim, options);
  }
  /** Category indices drawn from this tensor's rows of weights (see {@link multinomial}). */
  multinomial(numSamples: number, options?: MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, options);
  }

  // ---------------------------------------------------------------- activations
  /** Softmax along `dim`, numerically stable. */
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  /** Log-softmax along `dim`, numerically stable. */
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }
  /** Inverted dropout: zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`; an identity when not `training`. Masks come from the seeded generator. */
  dropout(p = 0.5, training = true): Tensor {
    return ops.dropout(this, p, training);
  }

  /** A tensor of the same shape, dtype and backend filled with `value`. */
  fullLike(value: number): Tensor {
    return ops.fullLike(this, value);
  }
}

/** @internal Wraps new backend storage as a tensor. */
export function fromStorage(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
  return new Tensor(
    DataRef.create(backend, storage, sizeOf(shape) * bytesPerElement(dtype)),
    [...shape],
    dtype,
  );
}

/**
 * @internal Refuses float64 on backends without it (the only dtype a backend may lack), before any
 * kernel sees it. Every way a new dtype enters a backend (upload, fill, cast, random) calls this.
 */
export function checkDTypeSupported(backend: Backend, dtype: DType, op: string): void {
  if (dtype === 'float64' && !backend.supportsFloat64) {
    throw new DTypeError(
      `${op}: backend "${backend.name}" has no float64; use float32 there (float64 is for gradient checks on the CPU)`,
    );
  }
}

/** @internal Uploads host data as a new tensor. */
export function fromArray(backend: Backend, data: TypedArray, shape: Shape, dtype: DType): Tensor {
  checkDTypeSupported(backend, dtype, 'tensor');
  return fromStorage(backend, backend.fromArray(data, dtype), shape, dtype);
}

/** @internal A new tensor sharing `t`'s storage with another shape (same size), outside the graph. */
export function aliasOf(t: Tensor, shape: Shape = t.shape): Tensor {
  return new Tensor(t.ref.retain(), [...shape], t.dtype);
}

/**
 * @internal Records an op in the autograd graph when grad mode is on and an input requires grad.
 * Returns `out` for convenience.
 */
export function record(name: string, inputs: readonly Tensor[], out: Tensor, backward: BackwardFn): Tensor {
  recordMany(name, inputs, [out], backward);
  return out;
}

/** @internal {@link record} for ops with several outputs. */
export function recordMany(
  name: string,
  inputs: readonly Tensor[],
  outs: readonly Tensor[],
  backward: BackwardFn,
): void {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return;
  const node = new GradNode(name, inputs, backward, outs.length);
  outs.forEach((o, i) => {
    o.gradFn = node;
    o.outputIndex = i;
    (o as unknown as { _requiresGrad: boolean })._requiresGrad = true;
  });
}

/**
 * @internal Tensors an op made for itself and never hands out (scalar operands, casts, a fused
 * kernel's workspace): disposed now when no graph records `out`, else owned by its node and disposed
 * by the `backward()` that frees the graph. Either way their storage goes back to the pool without
 * waiting for the collector.
 */
export function releaseInternal(out: Tensor, internal: readonly Tensor[]): void {
  const node = out.gradFn;
  for (const t of internal) {
    if (t === out) continue;
    if (node) (node.owned ??= []).push(t);
    else t.disposeBecause(`it was internal to the op that made it`);
  }
}

/** @internal Throws a `BackendError` unless all tensors live on one backend. */
export function sameBackend(op: string, tensors: readonly Tensor[]): Backend {
  const b = tensors[0].backend;
  for (const t of tensors) {
    if (t.backend !== b) {
      throw new BackendError(
        `${op}: tensors are on different backends ("${b.name}" and "${t.backend.name}"); ` +
          `move one with t.to('${b.name}') first`,
      );
    }
  }
  return b;
}

function checkSingle(t: Tensor): void {
  if (t.size !== 1) {
    throw new ShapeError(`item: only single-element tensors have an item, got shape ${fmtShape(t.shape)}`);
  }
}

function nest(data: TypedArray, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const stride = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? data[offset + i] : build(offset + i * stride, dim + 1);
    }
    return out;
  };
  return build(0, 0);
}

/** Backward of `to`/`toAsync`: the gradient goes back to the source backend, which needs a synchronous read. */
function moveGradBack(g: Tensor, source: Backend): Tensor {
  if (!g.backend.readSync) {
    throw new BackendError(
      `backward of to(): the gradient is on backend "${g.backend.name}", which reads asynchronously, so it ` +
        `cannot be moved back to "${source.name}" inside backward(); keep the graph on one backend, or ` +
        'cross it with detach() and a separate backward pass',
    );
  }
  return g.to(source);
}

/**
 * The error for a disposed tensor that is used again: which op used it (the outermost function of
 * this package on the stack, e.g. `matmul`) and what disposed it.
 */
function usedAfterDispose(t: Tensor, disposedBy: string): DisposedError {
  const op = callingOp();
  return new DisposedError(
    `${op ? `${op}: ` : ''}tensor ${fmtShape(t.shape)} ${t.dtype} was used after it was disposed: ${disposedBy}`,
  );
}

/** The outermost frame of this package in the current stack (`Tensor.add` gives `add`), if named. */
function callingOp(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frames = stack
    .split('\n')
    .map((line) => /^\s*at (?:(.+?) \()?(.+?):\d+:\d+\)?$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ fn: m[1] ?? '', file: m[2] }));
  const root = packageRoot(frames[0]?.file ?? '');
  if (!root) return undefined;
  let op: string | undefined;
  for (const f of frames) {
    if (!f.file.startsWith(root)) break;
    const name = f.fn.replace(/^(?:new |Tensor\.|Object\.)/, '');
    if (name && !name.startsWith('get ') && !name.includes('<anonymous>')) op = name;
  }
  return op;
}

/** The source directory of the package a stack frame's file belongs to (up to `/src/` or `/dist/`). */
function packageRoot(file: string): string | undefined {
  return /^.*[\\/](?:src|dist)[\\/]/.exec(file)?.[0];
}
