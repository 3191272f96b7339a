import { BackendError, Ballast, ballastByDefault } from '@rnn/tensor/backend';
import { BufferPool, type PoolStats } from './buffer-pool';
import { INDEX_FLAG_BYTES, IndexErrorFlag } from './index-errors';
import { BufferUsage, MAP_MODE_READ, PARAM_WORDS, SHADER_STAGE_COMPUTE } from './params';

/** How a kernel binds a storage buffer: read-only input or written output. */
export type BindingKind = 'read' | 'write';

/** What a kernel is made of: WGSL source (entry point `main`) and its storage bindings, in order. */
export interface KernelSource {
  readonly code: string;
  /** Storage buffers at bindings 0..n-1; the parameter block (a uniform) is binding n. */
  readonly bindings: readonly BindingKind[];
}

interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Options of the command batching (tests lower them to exercise the limits). */
export interface ContextOptions {
  /** Dispatches recorded into one command encoder before it is submitted. Default 128. */
  maxDispatchesPerSubmit?: number;
  /** Free pooled bytes kept for reuse; beyond this released buffers are destroyed. Default 1 GiB. */
  maxPooledBytes?: number;
  /**
   * Matmul kernel: `'tiled'` (workgroup-memory tiles, for large products), `'simple'` (a thread per
   * output, for small ones) or `'auto'` (by size; the default).
   */
  matmulKernel?: 'auto' | 'tiled' | 'simple';
  /**
   * Whether storage handles carry ballast that makes the garbage collector feel GPU memory (see
   * `Ballast`). Default: on in Node (Dawn reports no GPU memory to V8), off in browsers.
   */
  ballast?: boolean;
}

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
const STAGING_USAGE = BufferUsage.MAP_READ | BufferUsage.COPY_DST;
/** Bytes of one dispatch's parameter block: 64 u32 words, one uniform-offset alignment unit. */
const PARAM_BYTES = PARAM_WORDS * 4;
/** The x and y extent of a dispatch grid (WebGPU's guaranteed `maxComputeWorkgroupsPerDimension`). */
export const MAX_GROUPS = 65535;

/**
 * One GPU device and the state around it: the command encoder that collects dispatches until they are
 * submitted, the parameter (uniform) block of each dispatch, the pipeline cache, the buffer pools, and
 * the error plumbing that turns device loss, out-of-memory and validation errors into `BackendError`s.
 *
 * Work is submitted lazily: when `maxDispatchesPerSubmit` dispatches are recorded, before a read, on
 * `sync()`, and at the end of the current JavaScript task (a microtask), so one synchronous training
 * step becomes one or a few command buffers.
 */
export class GPUContext {
  readonly pool: BufferPool;
  /** Ballast for storage handles (null when off). */
  readonly ballast: Ballast | null;
  private readonly staging: BufferPool;
  /** The error flag index-reading kernels bind; read back with the next read or sync. */
  readonly indexFlag: IndexErrorFlag;
  private readonly kernels = new Map<string, Kernel>();
  /** Kernels whose compilation failed: dispatching them again throws at once. */
  private readonly broken = new Map<string, BackendError>();
  private readonly maxDispatches: number;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly params: Uint32Array;
  private readonly paramBuffer: GPUBuffer;
  private flushQueued = false;
  /** Command buffers submitted so far (tests check that dispatches are batched). */
  submits = 0;

  private scopesOpen = false;
  private checks: Promise<void>[] = [];
  private error: BackendError | null = null;
  /** An out-of-range index reported by the flag, thrown by the next `checkErrors`. */
  private indexError: BackendError | null = null;
  /** Set once the device is lost; every later call throws it. */
  lost: BackendError | null = null;
  private readonly lostPromise: Promise<never>;

  constructor(
    readonly device: GPUDevice,
    readonly options: ContextOptions = {},
    /** Objects the device depends on that must stay reachable as long as it is used. */
    readonly owners: readonly object[] = [],
  ) {
    this.maxDispatches = Math.max(1, options.maxDispatchesPerSubmit ?? 128);
    this.ballast = (options.ballast ?? ballastByDefault()) ? new Ballast() : null;
    this.params = new Uint32Array(this.maxDispatches * PARAM_WORDS);
    this.paramBuffer = device.createBuffer({
      size: this.maxDispatches * PARAM_BYTES,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    this.pool = new BufferPool(
      (size) => this.createBuffer(size, STORAGE_USAGE),
      options.maxPooledBytes ?? 2 ** 30,
    );
    this.staging = new BufferPool((size) => this.createBuffer(size, STAGING_USAGE), 64 * 2 ** 20);
    this.indexFlag = new IndexErrorFlag(device, STORAGE_USAGE);
    this.lostPromise = device.lost.then((info) => {
      this.lost ??= new BackendError(
        `webgpu: the GPU device was lost (${info.reason || 'unknown reason'}${info.message ? `: ${info.message}` : ''}); ` +
          'tensors on it are gone: create the backend again (createWebGPUBackend) and recompute',
      );
      throw this.lost;
    });
    this.lostPromise.catch(() => {});
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => this.record(ev.error, 'uncaptured');
  }

  // ------------------------------------------------------------------ buffers

  /**
   * A storage buffer of at least `bytes` bytes from the pool. Kernel outputs (`forUpload` false) may
   * reuse a buffer released since the last submit; buffers filled from the host may not.
   */
  acquire(bytes: number, forUpload = false): GPUBuffer {
    this.throwIfLost();
    this.touch();
    return this.pool.acquire(Math.max(bytes, 4), !forUpload);
  }

  /** Gives a buffer back; free for uploads again once the work recorded so far is submitted. */
  release(buffer: GPUBuffer): void {
    if (this.lost) return;
    this.pool.recycle(buffer, this.encoder !== null);
  }

  /** Copies host bytes into `buffer` (queued before any work recorded but not yet submitted). */
  write(buffer: GPUBuffer, data: ArrayBufferView): void {
    this.throwIfLost();
    if (data.byteLength === 0) return;
    this.touch();
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  private createBuffer(size: number, usage: number): GPUBuffer {
    const max = this.device.limits.maxBufferSize;
    if (size > max) {
      throw new BackendError(
        `webgpu: cannot allocate ${size} bytes: this device's maxBufferSize is ${max} bytes (use smaller tensors or batches)`,
      );
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage });
    this.checks.push(
      this.device.popErrorScope().then(
        (e) => {
          if (e) {
            this.pool.trim();
            this.record(e, `allocating ${size} bytes`);
          }
        },
        () => {},
      ),
    );
    return buffer;
  }

  // ------------------------------------------------------------------ kernels

  /** The pipeline for `key`, compiled from `build()` the first time the key is seen. */
  kernel(key: string, build: () => KernelSource): Kernel {
    const broken = this.broken.get(key);
    if (broken) throw broken;
    let k = this.kernels.get(key);
    if (!k) {
      this.throwIfLost();
      const src = build();
      const entries: GPUBindGroupLayoutEntry[] = src.bindings.map((kind, i) => ({
        binding: i,
        visibility: SHADER_STAGE_COMPUTE,
        buffer: { type: kind === 'read' ? 'read-only-storage' : 'storage' },
      }));
      entries.push({
        binding: src.bindings.length,
        visibility: SHADER_STAGE_COMPUTE,
        buffer: { type: 'uniform' },
      });
      this.device.pushErrorScope('validation');
      const layout = this.device.createBindGroupLayout({ entries, label: key });
      const module = this.device.createShaderModule({ code: src.code, label: key });
      const pipeline = this.device.createComputePipeline({
        label: key,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      this.checks.push(
        this.device.popErrorScope().then(
          (e) => {
            if (!e) return;
            this.record(e, `compiling kernel "${key}"`);
            this.broken.set(key, new BackendError(`webgpu: kernel "${key}" failed to compile: ${e.message}`));
          },
          () => {},
        ),
      );
      k = { pipeline, layout };
      this.kernels.set(key, k);
    }
    return k;
  }

  /** Number of compiled pipelines (for tests: the cache must not grow with shapes). */
  get pipelineCount(): number {
    return this.kernels.size;
  }

  /**
   * Records one dispatch of `kernel` with `buffers` bound in order and `params` (at most 64 u32
   * words) as its parameter block. `groups` is the workgroup grid.
   */
  dispatch(
    key: string,
    build: () => KernelSource,
    buffers: readonly GPUBuffer[],
    params: Uint32Array,
    groups: readonly [number, number?, number?],
  ): void {
    this.throwIfLost();
    const [x, y = 1, z = 1] = groups;
    if (x === 0 || y === 0 || z === 0) return;
    const k = this.kernel(key, build);
    if (this.dispatches === this.maxDispatches) this.flush();
    this.touch();
    const slot = this.dispatches++;
    this.params.set(params.subarray(0, PARAM_WORDS), slot * PARAM_WORDS);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, i) => ({ binding: i, resource: { buffer } }));
    entries.push({
      binding: buffers.length,
      resource: { buffer: this.paramBuffer, offset: slot * PARAM_BYTES, size: PARAM_BYTES },
    });
    const group = this.device.createBindGroup({ layout: k.layout, entries });
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(k.pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(x, y, z);
  }

  // ------------------------------------------------------------------ submission

  /** Submits everything recorded so far (plus `extra` commands, e.g. a copy for a read). */
  flush(extra?: (encoder: GPUCommandEncoder) => void): void {
    if (this.lost) return;
    if (this.encoder || extra) {
      this.pass?.end();
      this.pass = null;
      const encoder = this.encoder ?? this.device.createCommandEncoder();
      this.encoder = null;
      extra?.(encoder);
      if (this.dispatches > 0) {
        this.device.queue.writeBuffer(
          this.paramBuffer,
          0,
          this.params.buffer,
          0,
          this.dispatches * PARAM_BYTES,
        );
      }
      this.device.queue.submit([encoder.finish()]);
      this.submits++;
      this.dispatches = 0;
    }
    this.pool.settle();
    this.closeScopes();
  }

  /**
   * Waits until the GPU has finished all submitted work, then reports errors it raised (an
   * out-of-range index included: the index-error flag is then mapped instead of waiting for the queue).
   */
  async sync(): Promise<void> {
    this.throwIfLost();
    if (this.indexFlag.pending) {
      await this.readBack(null, 0);
      return;
    }
    this.flush();
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lostPromise]);
    await this.checkErrors();
  }

  /** Copies `bytes` bytes of `buffer` back to the host (submits pending work first). */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.throwIfLost();
    if (bytes === 0 && !this.indexFlag.pending) {
      this.flush();
      await this.checkErrors();
      return new ArrayBuffer(0);
    }
    return this.readBack(buffer, bytes);
  }

  /**
   * Submits pending work with copies of `bytes` bytes of `buffer` and, when an index-reading kernel
   * ran since the last check, of the index-error flag (after the data, cleared behind the copy) into
   * one staging buffer, maps it once, and reports what the flag says through `checkErrors`.
   */
  private async readBack(buffer: GPUBuffer | null, bytes: number): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const flagAt = this.indexFlag.pending ? size : -1;
    const total = flagAt < 0 ? size : size + INDEX_FLAG_BYTES;
    const staging = this.staging.acquire(total);
    this.touch();
    this.flush((enc) => {
      if (buffer && size > 0) enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
      if (flagAt >= 0) this.indexFlag.copyOut(enc, staging, flagAt);
    });
    try {
      await Promise.race([staging.mapAsync(MAP_MODE_READ, 0, total), this.lostPromise]);
    } catch (e) {
      if (this.lost) throw this.lost;
      await this.checkErrors();
      throw new BackendError(`webgpu: reading ${bytes} bytes back failed: ${(e as Error).message}`);
    }
    const mapped = staging.getMappedRange(0, total);
    const out = mapped.slice(0, bytes);
    if (flagAt >= 0) {
      const report = this.indexFlag.take(new Uint32Array(mapped, flagAt, INDEX_FLAG_BYTES / 4));
      this.indexError ??= report;
    }
    staging.unmap();
    this.staging.recycle(staging);
    await this.checkErrors();
    return out;
  }

  /** Destroys the device (tensors on it become unusable). Lets a Node process exit. */
  destroy(): void {
    this.pool.trim();
    this.staging.trim();
    this.indexFlag.destroy();
    this.device.destroy();
  }

  poolStats(): PoolStats {
    return this.pool.snapshot();
  }

  // ------------------------------------------------------------------ errors

  throwIfLost(): void {
    if (this.lost) throw this.lost;
  }

  /**
   * Reports errors raised by work submitted so far: out-of-memory, validation (a kernel bug) and
   * internal errors become one `BackendError`, thrown once; an out-of-range index read back from the
   * flag is thrown once too (after such an error, at the next call, if both happened).
   */
  async checkErrors(): Promise<void> {
    while (this.checks.length > 0) {
      const pending = this.checks;
      this.checks = [];
      await Promise.all(pending);
    }
    if (this.lost) throw this.lost;
    const e = this.error ?? this.indexError;
    if (e) {
      if (e === this.error) this.error = null;
      else this.indexError = null;
      throw e;
    }
  }

  private record(e: GPUError, during: string): void {
    if (this.lost || this.error) return;
    const kind = isOutOfMemory(e) ? 'out of GPU memory' : isValidation(e) ? 'validation error' : 'GPU error';
    this.error = new BackendError(`webgpu: ${kind} (${during}): ${e.message}`);
  }

  /**
   * Marks the start of device work: opens the error scopes that catch what the work raises, and
   * queues a flush at the end of the current task so nothing recorded waits forever.
   */
  private touch(): void {
    if (!this.scopesOpen) {
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('internal');
      this.scopesOpen = true;
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  private closeScopes(): void {
    if (!this.scopesOpen) return;
    this.scopesOpen = false;
    const scopes = ['internal', 'out-of-memory', 'validation'].map(() => this.device.popErrorScope());
    this.checks.push(
      Promise.all(scopes).then(
        (errors) => {
          for (const e of errors) {
            if (!e) continue;
            if (isOutOfMemory(e)) this.pool.trim();
            this.record(e, 'running queued kernels');
          }
        },
        () => {},
      ),
    );
  }
}

// By constructor name: the GPU*Error classes are globals only where the environment installs them.
const isOutOfMemory = (e: GPUError) => e.constructor?.name === 'GPUOutOfMemoryError';
const isValidation = (e: GPUError) => e.constructor?.name === 'GPUValidationError';
