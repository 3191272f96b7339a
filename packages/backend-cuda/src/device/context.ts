import { BackendError, Ballast, type DType } from '@rnn/tensor/backend';
import { GEMM_KERNELS } from '../kernels/matmul';
import type { CudaAddon, DeviceInfo } from '../runtime/addon';
import { type AllocatorStats, type Block, CachingAllocator, isOutOfMemory } from './allocator';
import { ArgPacker, type ArgValue, type KernelSpec } from './args';
import { INDEX_FLAG_BYTES, IndexErrorFlag } from './index-errors';
import { CudaStorage } from './storage';

/** Options of the device context. */
export interface ContextOptions {
  /**
   * Whether storage handles carry ballast that makes the garbage collector feel device memory
   * (see `Ballast`). Default true.
   */
  ballast?: boolean;
  /** Cached free bytes kept by the allocator beyond which freed blocks go back to the driver. Default: no limit. */
  maxCachedBytes?: number;
}

/** The largest grid extent in y and z. */
const MAX_GRID_Z = 65535;

/** Threads per block of the one-dimensional kernels. */
export const BLOCK = 256;

/** Driver errors after which the context is unusable (the CUDA "sticky" errors: a kernel faulted). */
const STICKY =
  /ILLEGAL_ADDRESS|LAUNCH_FAILED|ILLEGAL_INSTRUCTION|MISALIGNED_ADDRESS|HARDWARE_STACK_ERROR|INVALID_PC|ASSERT|ECC_UNCORRECTABLE|CONTEXT_IS_DESTROYED|LAUNCH_TIMEOUT/;

/**
 * One GPU as the backend uses it: the addon's context (primary context, one stream, cuBLAS handle),
 * the loaded kernel modules, the caching allocator, the index-error flag, and launches with their
 * parameters packed per the kernels' C signatures. Every operation is queued on the one stream; the
 * host waits only in `read` and `sync` (off the main thread).
 */
export class CudaContext {
  readonly allocator: CachingAllocator;
  readonly ballast: Ballast | null;
  readonly indexFlag: IndexErrorFlag;
  private readonly packer = new ArgPacker();
  private readonly functions = new Map<string, number>();
  private readonly modules = new Map<string, number>();
  /** A report of the flag, thrown by the next read or sync. */
  private indexError: BackendError | null = null;
  /** Set after a sticky error: every later call throws it. */
  lost: BackendError | null = null;
  /** Kernels launched (tests check that nothing launches per element or per step where it should not). */
  launches = 0;
  private readonly maxGrid: number;

  constructor(
    readonly addon: CudaAddon,
    readonly id: number,
    images: ReadonlyMap<string, Uint8Array>,
    readonly device: DeviceInfo,
    options: ContextOptions = {},
  ) {
    addon.setArgBuffer(id, this.packer.buffer);
    for (const [name, image] of images) {
      try {
        this.modules.set(name, addon.loadModule(id, image));
      } catch (e) {
        throw new BackendError(`cuda: loading the "${name}" kernels failed: ${(e as Error).message}`);
      }
    }
    this.allocator = new CachingAllocator(
      { alloc: (bytes) => addon.memAlloc(id, bytes), free: (ptr) => addon.memFree(id, ptr) },
      options.maxCachedBytes,
    );
    this.ballast = (options.ballast ?? true) ? new Ballast() : null;
    const flag = this.allocator.alloc(INDEX_FLAG_BYTES);
    addon.memset32(id, flag.ptr, 0, INDEX_FLAG_BYTES / 4);
    this.indexFlag = new IndexErrorFlag(flag.ptr);
    this.maxGrid = Math.max(1, device.multiprocessors) * 32;
  }

  /** Whether matmuls go through cuBLAS. */
  get blas(): boolean {
    return this.addon.hasBlas(this.id);
  }

  // ------------------------------------------------------------------ memory

  /** New storage for `length` elements of `bytes` bytes in all. */
  storage(bytes: number, length: number): CudaStorage {
    const block = this.alloc(bytes);
    return new CudaStorage(block, length, this.ballast ? this.ballast.share(block.size) : null);
  }

  alloc(bytes: number): Block {
    this.throwIfLost();
    try {
      return this.allocator.alloc(Math.max(bytes, 1));
    } catch (e) {
      if (isOutOfMemory(e)) {
        const st = this.allocator.stats();
        let free = '';
        try {
          const [f, t] = this.addon.memInfo(this.id);
          free = `; the device has ${mib(f)} free of ${mib(t)}`;
        } catch {
          // no details
        }
        throw new BackendError(
          `cuda: out of GPU memory allocating ${mib(bytes)} (${st.liveBlocks} tensors hold ${mib(st.liveBytes)}${free}): ` +
            'dispose tensors you no longer need (tidy/scope), or use smaller batches',
        );
      }
      throw this.convert(e, `allocating ${bytes} bytes`);
    }
  }

  /** Gives a block back to the allocator (stream-ordered: reusable by the next queued work at once). */
  freeBlock(block: Block): void {
    if (this.lost) return;
    this.allocator.release(block);
  }

  memoryStats(): AllocatorStats {
    return this.allocator.stats();
  }

  upload(ptr: number, data: ArrayBufferView): void {
    this.throwIfLost();
    if (data.byteLength === 0) return;
    try {
      this.addon.upload(this.id, ptr, data);
    } catch (e) {
      throw this.convert(e, 'copying to the GPU');
    }
  }

  copy(dst: number, src: number, bytes: number): void {
    this.throwIfLost();
    if (bytes <= 0) return;
    try {
      this.addon.copy(this.id, dst, src, bytes);
    } catch (e) {
      throw this.convert(e, 'copying on the GPU');
    }
  }

  /** Fills `count` 32-bit words with `word` (any float32/int32 fill is one). */
  memset32(ptr: number, word: number, count: number): void {
    this.throwIfLost();
    if (count <= 0) return;
    try {
      this.addon.memset32(this.id, ptr, word, count);
    } catch (e) {
      throw this.convert(e, 'filling GPU memory');
    }
  }

  memset8(ptr: number, byte: number, count: number): void {
    this.throwIfLost();
    if (count <= 0) return;
    try {
      this.addon.memset8(this.id, ptr, byte, count);
    } catch (e) {
      throw this.convert(e, 'filling GPU memory');
    }
  }

  // ------------------------------------------------------------------ kernels

  /** Blocks for `n` threads' worth of grid-stride work (capped: the kernels loop). */
  grid(n: number, block = BLOCK): number {
    return Math.max(1, Math.min(Math.ceil(n / block), this.maxGrid));
  }

  /** Launches `spec` on a 1-D grid covering `n` elements (nothing when n is 0). */
  run(spec: KernelSpec, n: number, args: readonly ArgValue[]): void {
    if (n <= 0) return;
    this.launch(spec, [this.grid(n), 1, 1], [BLOCK, 1, 1], args);
  }

  /** Launches `spec` with an explicit grid and block. */
  launch(
    spec: KernelSpec,
    grid: readonly [number, number, number],
    block: readonly [number, number, number],
    args: readonly ArgValue[],
    sharedBytes = 0,
  ): void {
    this.throwIfLost();
    const fn = this.fn(spec);
    const bytes = this.packer.pack(spec, args);
    try {
      this.addon.launch(
        this.id,
        fn,
        grid[0],
        grid[1],
        grid[2],
        block[0],
        block[1],
        block[2],
        sharedBytes,
        bytes,
      );
    } catch (e) {
      throw this.convert(e, `launching ${spec.name}`);
    }
    this.launches++;
  }

  private fn(spec: KernelSpec): number {
    let f = this.functions.get(spec.name);
    if (f === undefined) {
      const mod = this.modules.get(spec.module);
      if (mod === undefined)
        throw new BackendError(`cuda: no kernel module "${spec.module}" (for ${spec.name})`);
      try {
        f = this.addon.getFunction(this.id, mod, spec.name);
      } catch (e) {
        throw this.convert(e, `looking up kernel ${spec.name}`);
      }
      this.functions.set(spec.name, f);
    }
    return f;
  }

  /**
   * Row-major `C = alpha·op(A)·op(B) + beta·C` over `batch` matrices (strides in elements, 0 repeats
   * one matrix), pointers already offset. cuBLAS (column-major) computes `Cᵀ = op(B)ᵀ·op(A)ᵀ`, which
   * is the same memory; int32, or no cuBLAS, uses the built-in kernel.
   */
  gemm(g: GemmCall): void {
    this.throwIfLost();
    if (g.m === 0 || g.n === 0 || g.batch === 0) return;
    if (g.dtype !== 'int32' && this.blas) {
      const c = toColumnMajor(g);
      try {
        this.addon.gemm(
          this.id,
          g.dtype === 'float64',
          c.transa,
          c.transb,
          c.m,
          c.n,
          c.k,
          g.alpha,
          c.a,
          c.lda,
          c.strideA,
          c.b,
          c.ldb,
          c.strideB,
          g.beta,
          g.c,
          c.ldc,
          g.strideC,
          g.batch,
        );
      } catch (e) {
        throw this.convert(e, 'cuBLAS GEMM');
      }
      this.launches++;
      return;
    }
    const spec = GEMM_KERNELS[g.dtype];
    if (!spec) throw new BackendError(`cuda: matmul has no ${g.dtype} kernel`);
    const e = g.dtype === 'float64' ? 8 : 4;
    // grid.z is the batch: at most 65535 matrices per launch
    for (let first = 0; first < g.batch; first += MAX_GRID_Z) {
      const count = Math.min(MAX_GRID_Z, g.batch - first);
      this.launch(
        spec,
        [Math.ceil(g.n / 32), Math.ceil(g.m / 32), count],
        [16, 16, 1],
        [
          g.c + first * g.strideC * e,
          g.a + first * g.strideA * e,
          g.b + first * g.strideB * e,
          g.m,
          g.n,
          g.k,
          g.lda,
          g.ldb,
          g.ldc,
          g.transA ? 1 : 0,
          g.transB ? 1 : 0,
          g.strideA,
          g.strideB,
          g.strideC,
          g.alpha,
          g.beta,
        ],
      );
    }
  }

  // ------------------------------------------------------------------ reads

  /** Copies `bytes` bytes back once all queued work is done (with the index-error flag when pending). */
  async read(ptr: number, bytes: number): Promise<ArrayBuffer> {
    this.throwIfLost();
    const withFlag = this.indexFlag.pending;
    const segments = withFlag
      ? new Float64Array([ptr, bytes, this.indexFlag.ptr, INDEX_FLAG_BYTES])
      : new Float64Array([ptr, bytes]);
    let pending: Promise<ArrayBuffer[]>;
    try {
      pending = this.addon.read(this.id, segments);
      if (withFlag) {
        this.indexFlag.pending = false;
        this.addon.memset32(this.id, this.indexFlag.ptr, 0, INDEX_FLAG_BYTES / 4);
      }
    } catch (e) {
      throw this.convert(e, 'reading from the GPU');
    }
    let out: ArrayBuffer[];
    try {
      out = await pending;
    } catch (e) {
      throw this.convert(e, 'reading from the GPU');
    }
    if (withFlag) this.indexError ??= this.indexFlag.take(new Uint32Array(out[1]));
    this.throwIndexError();
    return out[0];
  }

  /**
   * `read`, waiting on this thread (the opt-in synchronous reads): blocks until all queued work is
   * done, as PyTorch's `.item()` does.
   */
  readBlocking(ptr: number, bytes: number): ArrayBuffer {
    this.throwIfLost();
    const withFlag = this.indexFlag.pending;
    let out: ArrayBuffer[];
    try {
      out = this.addon.readBlocking(
        this.id,
        withFlag
          ? new Float64Array([ptr, bytes, this.indexFlag.ptr, INDEX_FLAG_BYTES])
          : new Float64Array([ptr, bytes]),
      );
      if (withFlag) {
        this.indexFlag.pending = false;
        this.addon.memset32(this.id, this.indexFlag.ptr, 0, INDEX_FLAG_BYTES / 4);
      }
    } catch (e) {
      throw this.convert(e, 'reading from the GPU');
    }
    if (withFlag) this.indexError ??= this.indexFlag.take(new Uint32Array(out[1]));
    this.throwIndexError();
    return out[0];
  }

  /** Waits for all queued work; rejects with an out-of-range index reported since the last check. */
  async sync(): Promise<void> {
    this.throwIfLost();
    const withFlag = this.indexFlag.pending;
    let pending: Promise<ArrayBuffer[]>;
    try {
      pending = this.addon.read(
        this.id,
        withFlag ? new Float64Array([this.indexFlag.ptr, INDEX_FLAG_BYTES]) : new Float64Array(0),
      );
      if (withFlag) {
        this.indexFlag.pending = false;
        this.addon.memset32(this.id, this.indexFlag.ptr, 0, INDEX_FLAG_BYTES / 4);
      }
    } catch (e) {
      throw this.convert(e, 'waiting for the GPU');
    }
    let out: ArrayBuffer[];
    try {
      out = await pending;
    } catch (e) {
      throw this.convert(e, 'waiting for the GPU');
    }
    if (withFlag) this.indexError ??= this.indexFlag.take(new Uint32Array(out[0]));
    this.throwIndexError();
  }

  private throwIndexError(): void {
    const e = this.indexError;
    if (e) {
      this.indexError = null;
      throw e;
    }
  }

  // ------------------------------------------------------------------ errors, teardown

  throwIfLost(): void {
    if (this.lost) throw this.lost;
  }

  /** A driver error as a `BackendError`; sticky errors (a kernel faulted) also mark the context lost. */
  convert(e: unknown, during: string): BackendError {
    if (e instanceof BackendError) return e;
    const msg = (e as Error)?.message ?? String(e);
    const code = (e as { code?: string })?.code ?? '';
    const err = new BackendError(`cuda: ${during}: ${msg}`);
    if (STICKY.test(code)) {
      this.lost = new BackendError(
        `cuda: the GPU context is unusable after ${code} (${during}); tensors on it are gone: create the backend again and recompute`,
      );
      return this.lost;
    }
    return err;
  }

  /** Waits for the stream and releases the context (every tensor on it becomes unusable). */
  destroy(): void {
    if (this.lost?.message.startsWith('cuda: the backend was destroyed')) return;
    try {
      this.addon.destroyContext(this.id);
    } finally {
      this.lost = new BackendError('cuda: the backend was destroyed');
    }
  }
}

/** A row-major GEMM (see {@link CudaContext.gemm}). */
export interface GemmCall {
  dtype: DType;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: number;
  lda: number;
  strideA: number;
  b: number;
  ldb: number;
  strideB: number;
  beta: number;
  c: number;
  ldc: number;
  strideC: number;
  batch: number;
}

/** cuBLAS's arguments for a row-major GEMM: the column-major `Cᵀ = op(B)ᵀ·op(A)ᵀ`. */
export function toColumnMajor(g: GemmCall) {
  return {
    transa: g.transB,
    transb: g.transA,
    m: g.n,
    n: g.m,
    k: g.k,
    a: g.b,
    lda: Math.max(1, g.ldb),
    strideA: g.strideB,
    b: g.a,
    ldb: Math.max(1, g.lda),
    strideB: g.strideA,
    ldc: Math.max(1, g.ldc),
  };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
