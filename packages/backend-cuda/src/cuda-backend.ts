import {
  type Backend,
  BackendError,
  type DType,
  type FusedKernels,
  registerBackend,
  type Storage,
  type TypedArray,
} from '@rnn/tensor/backend';
import type { AllocatorStats, Block } from './device/allocator';
import { type ContextOptions, CudaContext } from './device/context';
import { moduleImages } from './device/modules';
import type { CudaStorage } from './device/storage';
import * as ew from './kernels/elementwise';
import * as fused from './kernels/fused';
import * as ix from './kernels/indexing';
import { layerNorm } from './kernels/layer-norm';
import * as layout from './kernels/layout';
import { matmul } from './kernels/matmul';
import * as optim from './kernels/optim';
import { random } from './kernels/random';
import * as red from './kernels/reduce';
import { rnnLayer } from './kernels/rnn-layer';
import { softmax } from './kernels/softmax';
import { ELEMENT_BYTES } from './kernels/spec';
import { type CudaAddon, loadAddon } from './runtime/addon';
import { type CudaProbe, driverForPtxIsa, fallbackFacts, type KernelPlan, probeCuda } from './runtime/probe';

/** Options of {@link createCudaBackend}. */
export interface CudaBackendOptions extends ContextOptions {
  /** The GPU's ordinal (as `CUDA_VISIBLE_DEVICES` numbers them). Default 0. */
  device?: number;
  /** Registry name. Default `"cuda"`. */
  name?: string;
  /** `'kernel'` forces the built-in GEMM even where cuBLAS is there (tests, comparisons). Default `'auto'`. */
  matmul?: 'auto' | 'kernel';
  /**
   * Give the backend a synchronous `readSync` that blocks the thread until the GPU is done (as
   * PyTorch's `.item()` does), so code written for the CPU backend's `dataSync()` / `itemSync()`
   * runs unchanged. Off by default: the contract keeps `readSync` for backends that read without
   * blocking, and with it `@rnn/tensor` also checks indices on the host (a wait per indexing op).
   */
  syncReads?: boolean;
}

/** The CUDA backend: the `Backend` contract plus the GPU's description and a few controls. */
export interface CudaBackend extends Backend {
  /** What the probe found: the GPU, the driver, how kernels are compiled, whether cuBLAS is used. */
  readonly probe: CudaProbe;
  /** Waits until all queued work is done; rejects with a `BackendError` on GPU errors and bad indices. */
  sync(): Promise<void>;
  /** Allocator counters and the number of kernels launched. */
  stats(): AllocatorStats & { launches: number };
  /** Frees the allocator's cached blocks back to the driver. */
  emptyCache(): void;
  /** Releases the GPU context: every tensor on it becomes unusable. */
  destroy(): void;
  /** @internal The device context, for tests. */
  readonly context: CudaContext;
}

/** The priority {@link registerCudaBackend} registers with (the CPU backend has 0, WebGPU 10). */
export const CUDA_PRIORITY = 20;

/**
 * Creates a backend on an NVIDIA GPU: probes the driver, NVRTC and cuBLAS, creates the context and
 * stream, compiles the kernels (NVRTC, all modules at once, cached on disk) or loads the prebuilt PTX.
 * Rejects with a `BackendError` carrying the probe's reason (and its fix) where CUDA is unavailable.
 */
export async function createCudaBackend(options: CudaBackendOptions = {}): Promise<CudaBackend> {
  const ordinal = options.device ?? 0;
  const found = probeCuda({ ordinal });
  if (!found.available || !found.kernels) throw new BackendError(`cuda: ${found.reason}`);
  const { addon } = loadAddon();
  if (!addon) throw new BackendError(`cuda: ${found.reason}`);
  // this backend's own record: fallbacks taken below are noted in it
  const probe: CudaProbe = { ...found, notes: [...found.notes] };
  const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

  // A context with cuBLAS where it is there; a cuBLAS that fails to start leaves the built-in GEMM.
  const blas = probe.matmul === 'cublas' && options.matmul !== 'kernel';
  let id: number;
  try {
    id = createContext(addon, ordinal, blas);
  } catch (e) {
    if (!blas) throw e;
    id = createContext(addon, ordinal, false);
    probe.matmul = 'kernel';
    probe.notes.push(`cuBLAS failed to start (${firstLine(e)}): matmul uses the built-in kernel`);
  }

  // Kernels from NVRTC; where NVRTC's output does not compile or load, the prebuilt PTX if it can run.
  const nvrtc = addon.libraryPaths().nvrtc ? addon.nvrtcInfo() : null;
  const build = async (plan: KernelPlan) =>
    new CudaContext(
      addon,
      id,
      await moduleImages(addon, plan, nvrtc ? `${nvrtc.major}.${nvrtc.minor}` : ''),
      addon.deviceInfo(ordinal),
      options,
    );
  let ctx: CudaContext;
  try {
    try {
      ctx = await build(probe.kernels!);
    } catch (e) {
      const ptx = probe.kernels!.compiler === 'nvrtc' ? prebuiltPlan(addon, probe) : null;
      if (!ptx) throw e;
      ctx = await build(ptx);
      probe.kernels = ptx;
      probe.notes.push(`NVRTC's kernels failed (${firstLine(e)}): using the prebuilt PTX (${ptx.target})`);
    }
  } catch (e) {
    addon.destroyContext(id);
    throw e instanceof BackendError ? e : new BackendError(`cuda: ${(e as Error).message}`);
  }
  return cudaBackend(ctx, probe, options);
}

function createContext(addon: CudaAddon, ordinal: number, blas: boolean): number {
  try {
    return addon.createContext(ordinal, { blas });
  } catch (e) {
    throw new BackendError(`cuda: creating a context on GPU ${ordinal} failed: ${(e as Error).message}`);
  }
}

/** The addon's prebuilt PTX as a plan, when this GPU and driver can run it. */
function prebuiltPlan(addon: CudaAddon, probe: CudaProbe): KernelPlan | null {
  const fb = fallbackFacts(addon);
  const [major, minor] = probe.device?.computeCapability ?? [0, 0];
  const [dMajor, dMinor] = (probe.driverVersion ?? '0.0').split('.').map(Number);
  if (!fb || major * 10 + minor < fb.arch || dMajor * 1000 + dMinor * 10 < driverForPtxIsa(fb.isa))
    return null;
  return { compiler: 'ptx', target: `compute_${fb.arch}` };
}

/**
 * Registers the CUDA backend under `options.name` (default `"cuda"`) above the CPU and WebGPU
 * backends: `await setBackend('cuda')` creates it (rejecting with the reason where CUDA is
 * unavailable), and `await useBestBackend()` picks it where it works and falls back otherwise.
 */
export function registerCudaBackend(options: CudaBackendOptions = {}): void {
  registerBackend(options.name ?? 'cuda', () => createCudaBackend(options), { priority: CUDA_PRIORITY });
}

function cudaBackend(ctx: CudaContext, probe: CudaProbe, options: CudaBackendOptions): CudaBackend {
  const own = (s: CudaStorage): Storage => s;
  const flagBytes = ctx.memoryStats().liveBytes; // the index-error flag, allocated with the context
  const fusedKernels: FusedKernels = {
    softmaxCrossEntropy: fused.softmaxCrossEntropy(ctx),
    lstmCell: fused.lstmCell(ctx),
    tanhGrad: fused.activationGradKernel(ctx, 'tanh'),
    sigmoidGrad: fused.activationGradKernel(ctx, 'sigmoid'),
    rnnLayer: rnnLayer(ctx),
    layerNorm: layerNorm(ctx),
    adamUpdate: optim.adamUpdate(ctx),
    sgdUpdate: optim.sgdUpdate(ctx),
  };

  return {
    name: options.name ?? 'cuda',
    supportsFloat64: true,
    probe,
    context: ctx,

    fromArray(data, dtype) {
      const s = ew.alloc(ctx, dtype, data.length, 'fromArray');
      const view = hostView(data, dtype);
      ctx.upload(s.ptr, view);
      if (options.syncReads && view.byteLength <= HOST_COPY_BYTES) s.host = typed(copyOf(view), dtype);
      return s;
    },
    async read(storage, dtype, size) {
      const bytes = await ctx.read((storage as CudaStorage).ptr, size * ELEMENT_BYTES[dtype]);
      return typed(bytes, dtype);
    },
    readSync: options.syncReads
      ? (storage, dtype, size) => {
          const s = storage as CudaStorage;
          if (s.host && s.host.length >= size) return s.host.slice(0, size);
          return typed(ctx.readBlocking(s.ptr, size * ELEMENT_BYTES[dtype]), dtype);
        }
      : undefined,
    memoryKind: 'device',
    release(storage) {
      const s = storage as CudaStorage;
      if (s.released) return; // the tensor layer releases once; never recycle a block twice
      s.released = true;
      ctx.freeBlock(s.block);
    },
    // After a tensor was collected: its block goes back to the allocator. The tensor layer holds only
    // the block until then, not the handle and its ballast, so the ballast goes with the collection.
    collectable: (storage) => (storage as CudaStorage).block,
    reclaim: (block) => ctx.freeBlock(block as Block),
    memory() {
      const st = ctx.memoryStats();
      return { buffers: st.liveBlocks - 1, bytes: st.liveBytes - flagBytes };
    },
    sync: () => ctx.sync(),
    stats: () => ({ ...ctx.memoryStats(), launches: ctx.launches }),
    emptyCache: () => ctx.allocator.emptyCache(),
    destroy: () => ctx.destroy(),

    fill: (shape, dtype, value) => own(ew.fill(ctx, shape, dtype, value)),
    unary: (op, x) => own(ew.unary(ctx, op, x)),
    binary: (op, a, b, outShape) => own(ew.binary(ctx, op, a, b, outShape)),
    compare: (op, a, b, outShape) => own(ew.compare(ctx, op, a, b, outShape)),
    where: (c, a, b, outShape) => own(ew.where(ctx, c, a, b, outShape)),
    clamp: (x, lo, hi) => own(ew.clamp(ctx, x, lo, hi)),
    cast: (x, dtype) => own(ew.cast(ctx, x, dtype)),
    reduce: (op, x, axes) => own(red.reduce(ctx, op, x, axes)),
    argReduce: (op, x, axis) => own(red.argReduce(ctx, op, x, axis)),
    matmul: (a, b, transA, transB) => own(matmul(ctx, a, b, transA, transB)),
    strided: (x, outShape, strides, offset) => own(layout.strided(ctx, x, outShape, strides, offset)),
    concat: (xs, axis) => own(layout.concat(ctx, xs, axis)),
    indexSelect: (x, axis, index) => own(ix.indexSelect(ctx, x, axis, index)),
    indexAdd: (shape, axis, index, src) => own(ix.indexAdd(ctx, shape, axis, index, src)),
    gather: (x, axis, index) => own(ix.gather(ctx, x, axis, index)),
    scatterAdd: (shape, axis, index, src) => own(ix.scatterAdd(ctx, shape, axis, index, src)),
    softmax: (x, axis, log) => own(softmax(ctx, x, axis, log)),
    random: (kind, shape, dtype, key, counter) => own(random(ctx, kind, shape, dtype, key, counter)),

    addInto: (dst, src) => ew.addInto(ctx, dst, src),
    indexAddInto: (dst, axis, index, src) => ix.indexAddInto(ctx, dst, axis, index, src),

    fused: fusedKernels,
  };
}

/** Uploads up to this size keep a host copy when reads are synchronous (see `CudaStorage.host`). */
const HOST_COPY_BYTES = 64 * 1024;

function copyOf(view: ArrayBufferView): ArrayBuffer {
  return (view.buffer as ArrayBuffer).slice(view.byteOffset, view.byteOffset + view.byteLength);
}

/** Host data as the bytes the GPU stores (bool: one byte per element, 0 or 1). */
export function hostView(data: TypedArray, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data);
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data);
    case 'int32':
      return data instanceof Int32Array ? data : Int32Array.from(data);
    case 'bool':
      return Uint8Array.from(data, (v) => (v ? 1 : 0));
  }
}

/** Bytes read back as the typed array of `dtype`. */
export function typed(bytes: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes);
    case 'float64':
      return new Float64Array(bytes);
    case 'int32':
      return new Int32Array(bytes);
    case 'bool':
      return new Uint8Array(bytes);
  }
}
