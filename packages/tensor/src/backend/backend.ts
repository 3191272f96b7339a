import type { DType, TypedArray } from '../dtype';
import type { Shape } from '../shape';
import type { FusedAttrs } from './fused/attrs';

/**
 * An opaque handle to a backend's storage (a typed array on CPU, a GPU buffer on WebGPU).
 * `@rnn/tensor` never looks inside it; only the backend that made it does.
 */
export type Storage = object;

/** What a kernel sees of a tensor: its storage, shape and dtype. Storage is always contiguous, row-major. */
export interface TensorSpec {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Elementwise one-operand ops of the `unary` primitive (`not` is for bool). */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'sign' | 'not';
/** Elementwise two-operand ops of the `binary` primitive. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
/** Comparisons of the `compare` primitive (bool result). */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Reductions of the `reduce` primitive. */
export type ReduceOp = 'sum' | 'max' | 'min';
/** Index reductions of the `argReduce` primitive. */
export type ArgReduceOp = 'argmax' | 'argmin';
/** Distributions of the `random` primitive. */
export type RandomKind = 'uniform' | 'normal';

/** Per-backend memory counters, as reported by `memory()`. */
export interface BackendMemory {
  /** Live storage buffers held by the backend. */
  buffers: number;
  /** Bytes held by those buffers. */
  bytes: number;
}

/**
 * An optional fused kernel. `forward` returns the op's outputs; `backward`, when present, returns
 * the gradients of the inputs from the inputs, the outputs and the outputs' gradients (stateless, so
 * the autograd engine owns every buffer). A backend that has no `backward` gets the composite gradient.
 * `A` is the op's attributes (see `FusedAttrs`).
 */
export interface FusedKernel<A = Readonly<Record<string, unknown>>> {
  /** The op's outputs, in the order and with the shapes the fused op's `outputs` gives. */
  forward(inputs: readonly TensorSpec[], attrs: A): Storage[];
  /** One gradient per input (`null` for inputs without one: int32 indices, lengths). */
  backward?(
    inputs: readonly TensorSpec[],
    outputs: readonly TensorSpec[],
    gradOutputs: readonly (TensorSpec | null)[],
    attrs: A,
  ): (Storage | null)[];
}

/** A backend's fused kernels, by fused-op name, each typed with its op's attributes. */
export type FusedKernels = { readonly [K in keyof FusedAttrs]?: FusedKernel<FusedAttrs[K]> };

/**
 * The backend contract: storage plus a small set of primitives that every public op of `@rnn/tensor`
 * lowers to, plus optional fused kernels that replace a composite when a backend can do better.
 *
 * Rules every implementation follows:
 * - Inputs are contiguous row-major and never modified; every primitive returns new storage.
 * - Elementwise inputs already have the same dtype (the front end promotes and casts first);
 *   broadcasting follows NumPy rules and `outShape` is given.
 * - Shapes and arguments are validated by the front end: a kernel may assume they are valid.
 */
export interface Backend {
  /** Registry name, e.g. `"cpu"`. */
  readonly name: string;
  /** Whether the backend stores `float64` (gradient checks need it). */
  readonly supportsFloat64: boolean;

  // ---- storage ----
  /** Copies host data into new storage of `dtype` (data has the matching typed array type). */
  fromArray(data: TypedArray, dtype: DType): Storage;
  /** Reads `size` elements back to the host. */
  read(storage: Storage, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, only for backends that can do it without blocking (CPU). */
  readSync?(storage: Storage, dtype: DType, size: number): TypedArray;
  /**
   * Frees storage whose tensors were all disposed (the fast path: a pool may reuse it at once).
   * For each storage the tensor layer calls exactly one of `release` and `reclaim`, exactly once.
   */
  release(storage: Storage): void;
  /**
   * Where storage lives, which decides how memory comes back from tensors nobody disposed:
   * - `'host'`: garbage-collected memory (typed arrays). It is reclaimed together with its tensor, by
   *   the collector, during any loop, so a loop that never disposes and never yields stays bounded.
   * - `'device'`: memory the collector cannot free by itself (GPU buffers). It comes back through
   *   `reclaim`, which runs between event-loop tasks; a synchronous loop that never disposes cannot be
   *   bounded, and the tensor layer warns once when live bytes keep growing there. Such backends
   *   should also make the collector feel their memory (report it as external memory), or it may not
   *   run often enough.
   */
  readonly memoryKind: 'host' | 'device';
  /**
   * Called once for each new storage: returns what `reclaim` needs to free it after its tensors were
   * garbage-collected without a `release` (a GPU buffer handle, a byte count for the statistics). The
   * tensor layer holds the returned value until then, so it must not reference garbage-collected
   * memory the storage owns (never return a typed array), or that memory could not be collected.
   */
  collectable(storage: Storage): unknown;
  /** Frees storage whose tensors were garbage-collected, from the value `collectable` returned. */
  reclaim(token: unknown): void;
  /** Live buffers and bytes. */
  memory(): BackendMemory;
  /** Waits until queued work is done (no-op for synchronous backends). */
  sync?(): Promise<void>;

  // ---- primitives ----
  /** New storage of `shape` and `dtype` with every element `value` (`zeros`, `ones`, `full`). */
  fill(shape: Shape, dtype: DType, value: number): Storage;
  /** Elementwise `op(x)`, same shape and dtype (`not` takes and returns bool). */
  unary(op: UnaryOp, x: TensorSpec): Storage;
  /** Elementwise `a op b`, broadcast to `outShape`; `a` and `b` share the result's dtype. */
  binary(op: BinaryOp, a: TensorSpec, b: TensorSpec, outShape: Shape): Storage;
  /** Elementwise comparison `a op b`, broadcast to `outShape`; the result is bool. */
  compare(op: CompareOp, a: TensorSpec, b: TensorSpec, outShape: Shape): Storage;
  /** `cond ? a : b` elementwise, broadcast to `outShape`; `cond` is bool, `a` and `b` share a dtype. */
  where(cond: TensorSpec, a: TensorSpec, b: TensorSpec, outShape: Shape): Storage;
  /** Elementwise `clamp(x, lo, hi)`; either bound may be ±Infinity. */
  clamp(x: TensorSpec, lo: number, hi: number): Storage;
  /** `x` converted to `dtype` (float to int truncates toward zero; to bool is `x != 0`). */
  cast(x: TensorSpec, dtype: DType): Storage;
  /** Reduces over `axes` (sorted, unique); the output shape drops those axes. */
  reduce(op: ReduceOp, x: TensorSpec, axes: readonly number[]): Storage;
  /** Index (int32) of the first max/min along `axis`; the output drops `axis`. */
  argReduce(op: ArgReduceOp, x: TensorSpec, axis: number): Storage;
  /**
   * Batched matmul. `a` is `[Ba, m, k]` (or `[Ba, k, m]` when `transA`), `b` is `[Bb, k, n]`
   * (or `[Bb, n, k]` when `transB`), with `Ba` and `Bb` equal or one of them 1. Output `[max(Ba, Bb), m, n]`.
   */
  matmul(a: TensorSpec, b: TensorSpec, transA: boolean, transB: boolean): Storage;
  /**
   * General layout copy: `out[i0..in] = x.flat[offset + sum(i_d * strides[d])]`. Covers permute,
   * expand (stride 0), slice with step and flip (negative stride).
   */
  strided(x: TensorSpec, outShape: Shape, strides: readonly number[], offset: number): Storage;
  /** Concatenates along `axis`; all inputs share dtype and the other dimensions. */
  concat(xs: readonly TensorSpec[], axis: number): Storage;
  /** `out[..., i, ...] = x[..., index[i], ...]` along `axis`; `index` is 1-D int32. */
  indexSelect(x: TensorSpec, axis: number, index: TensorSpec): Storage;
  /** `zeros(shape).index_add_(axis, index, src)`: the adjoint of `indexSelect`. */
  indexAdd(shape: Shape, axis: number, index: TensorSpec, src: TensorSpec): Storage;
  /** `torch.gather(x, axis, index)`; `index` is int32 with the output's shape. */
  gather(x: TensorSpec, axis: number, index: TensorSpec): Storage;
  /** `zeros(shape).scatter_add_(axis, index, src)`: the adjoint of `gather`. */
  scatterAdd(shape: Shape, axis: number, index: TensorSpec, src: TensorSpec): Storage;
  /** Softmax (or log-softmax when `log`) along `axis`, numerically stable. */
  softmax(x: TensorSpec, axis: number, log: boolean): Storage;
  /**
   * Counter-based random fill (Philox-4x32-10 keyed by `key`): element `i` takes lane `i % 4` of the
   * block at counter `counter + floor(i / 4)`. Uniform values are `(u32 >>> 8) * 2^-24` in [0, 1);
   * normal values use Box–Muller on lanes (0,1) and (2,3). Every backend gives identical numbers.
   */
  random(
    kind: RandomKind,
    shape: Shape,
    dtype: DType,
    key: readonly [number, number],
    counter: number,
  ): Storage;

  // ---- optional in-place primitives ----
  // Storage is immutable everywhere else. The autograd engine calls these only on a gradient sum it
  // allocated itself in the current `backward()`, which nothing else references, so writing it is safe.
  // Return false to decline (the engine then sums out of place); absent means always declined.
  /** `dst += src` elementwise; same shape and float dtype. */
  addInto?(dst: TensorSpec, src: TensorSpec): boolean;
  /**
   * `dst[..., index[i], ...] += src[..., i, ...]` along `axis` (the gradient of `indexSelect` or of a
   * slice, added straight into a running sum); `index` is 1-D int32, in range.
   */
  indexAddInto?(dst: TensorSpec, axis: number, index: TensorSpec, src: TensorSpec): boolean;

  // ---- optional fused kernels, keyed by fused-op name (see `FusedAttrs`) ----
  readonly fused?: FusedKernels;
}
