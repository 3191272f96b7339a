import { type DType, allocArray as freshArray, type TypedArray } from '../dtype';

/**
 * A pool of typed arrays for the CPU backend. Touching freshly allocated memory costs a page fault
 * per 4 KiB (measured here: ~200 ms for 64 MiB, ten times the cost of the arithmetic that fills it),
 * and zero-filling plus collecting many small fresh arrays costs as much again in op-heavy models
 * (SPINN: ~17 % of a step); a training step allocates the same sizes again and again. Released storage
 * of at least {@link MIN_POOLED_BYTES} is kept here, keyed by type and length, and handed out again.
 * Only tiny arrays are left to the engine's allocator.
 */
const MIN_POOLED_BYTES = 1024;
let limitBytes = 1024 * 1024 * 1024;
let pooledBytes = 0;
// Insertion-ordered, so the oldest size classes are evicted first when the pool is full. Keyed by a
// number (length and element type), so a lookup builds no string: the pool is asked on every op.
const free = new Map<number, TypedArray[]>();

/** Element types the pool keeps, by constructor name and by dtype; their element sizes. */
const TYPE_CODE: Readonly<Record<string, number>> = {
  Float32Array: 0,
  Float64Array: 1,
  Int32Array: 2,
  Uint8Array: 3,
};
const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const BYTES = [4, 8, 4, 1];
const keyOf = (code: number, n: number) => n * 4 + code;

function take(code: number | undefined, n: number): TypedArray | undefined {
  // arrays too small to pool are never there: no lookup
  if (code === undefined || n * BYTES[code] < MIN_POOLED_BYTES) return undefined;
  const key = keyOf(code, n);
  const list = free.get(key);
  const a = list?.pop();
  if (!a) return undefined;
  if (list!.length === 0) free.delete(key);
  pooledBytes -= a.byteLength;
  return a;
}

/** A zero-filled array of `n` elements of `dtype` (from the pool when one of that size is free). */
export function allocArray(dtype: DType, n: number): TypedArray {
  const a = take(DTYPE_CODE[dtype], n);
  if (!a) return freshArray(dtype, n);
  a.fill(0);
  return a;
}

/** An array of `n` elements with unspecified contents, for kernels that write every element. */
export function allocUninit(dtype: DType, n: number): TypedArray {
  return take(DTYPE_CODE[dtype], n) ?? freshArray(dtype, n);
}

/** An array of the same type as `like` with `n` elements and unspecified contents. */
export function allocUninitLike<T extends TypedArray>(like: T, n: number): T {
  return (take(TYPE_CODE[like.constructor.name], n) ??
    new (like.constructor as new (n: number) => T)(n)) as T;
}

/**
 * Gives an array back for reuse. Only call it when nothing references the array any more (storage
 * the tensor layer has released, or a kernel's own temporary).
 */
export function recycle(a: TypedArray | null | undefined): void {
  if (!a || a.byteLength < MIN_POOLED_BYTES || a.byteLength > limitBytes) return;
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return; // a view: not ours to reuse
  const code = TYPE_CODE[a.constructor.name];
  if (code === undefined) return;
  while (pooledBytes + a.byteLength > limitBytes && free.size > 0) {
    const [oldest, list] = free.entries().next().value as [number, TypedArray[]];
    const dropped = list.shift()!;
    pooledBytes -= dropped.byteLength;
    if (list.length === 0) free.delete(oldest);
  }
  const key = keyOf(code, a.length);
  const list = free.get(key);
  if (list) list.push(a);
  else free.set(key, [a]);
  pooledBytes += a.byteLength;
}

/**
 * Sets the most memory the CPU backend keeps in its pool of released buffers (default 1 GiB; 0
 * turns pooling off and frees what is pooled). Returns the previous limit.
 */
export function setCpuBufferPoolLimit(bytes: number): number {
  const previous = limitBytes;
  limitBytes = Math.max(0, bytes);
  while (pooledBytes > limitBytes && free.size > 0) {
    const [key, list] = free.entries().next().value as [number, TypedArray[]];
    pooledBytes -= list.reduce((s, x) => s + x.byteLength, 0);
    free.delete(key);
  }
  return previous;
}

/** Bytes currently held in the pool (released storage kept for reuse; not counted by `memory()`). */
export function cpuBufferPoolBytes(): number {
  return pooledBytes;
}
