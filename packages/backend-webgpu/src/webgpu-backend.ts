import {
  type Backend,
  BackendError,
  type DType,
  DTypeError,
  registerBackend,
  type Storage,
  type TypedArray,
} from '@rnn/tensor/backend';
import type { PoolStats } from './device/buffer-pool';
import { type ContextOptions, GPUContext } from './device/context';
import type { GPUStorage } from './device/storage';
import { handle } from './kernels/common';
import * as ew from './kernels/elementwise';
import { fusedKernels } from './kernels/fused';
import { addInto } from './kernels/in-place';
import * as ix from './kernels/indexing';
import * as layout from './kernels/layout';
import { matmul } from './kernels/matmul';
import { random } from './kernels/random';
import * as red from './kernels/reduce';
import { softmax } from './kernels/softmax';

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions extends ContextOptions {
  /**
   * The WebGPU entry point. Defaults to `navigator.gpu` in browsers; in Node, pass
   * `create([...])` from the npm `webgpu` package (or leave it out: the backend then loads `webgpu`
   * itself when it is installed).
   */
  gpu?: GPU;
  /** Passed to `gpu.requestAdapter()`, e.g. `{ powerPreference: 'high-performance' }`. */
  adapterOptions?: GPURequestAdapterOptions;
  /** Registry name of the backend. Default `"webgpu"`. */
  name?: string;
}

/** What the adapter says it is; `software` is true for CPU-emulated adapters such as SwiftShader. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (CPU-emulated) adapter: timings say nothing about GPU speed. */
  software: boolean;
}

/** The WebGPU backend: the `Backend` contract plus a few WebGPU-specific handles. */
export interface WebGPUBackend extends Backend {
  /** The adapter the device came from. */
  readonly adapter: AdapterDescription;
  /** The GPU device all storage lives on. */
  readonly device: GPUDevice;
  /** Submits queued work and waits for the GPU to finish it; rejects with a `BackendError` on GPU errors. */
  sync(): Promise<void>;
  /** Buffer-pool counters, the number of compiled pipelines and of command buffers submitted. */
  stats(): PoolStats & { pipelines: number; submits: number };
  /** Destroys the device: every tensor on it becomes unusable. Lets a Node process exit. */
  destroy(): void;
  /** @internal The device context (command batching, pools, pipelines), for tests. */
  readonly context: GPUContext;
}

/** The priority {@link registerWebGPUBackend} registers with (the CPU backend has 0). */
export const WEBGPU_PRIORITY = 10;

/**
 * Requests a WebGPU adapter and device and returns a backend on it. Throws a `BackendError` when
 * there is no WebGPU or no adapter (so `useBestBackend()` falls back to the CPU).
 *
 * @example
 * ```ts
 * // Node: npm install webgpu
 * import { create } from 'webgpu';
 * const backend = await createWebGPUBackend({ gpu: create([]) });
 * ```
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const gpu = options.gpu ?? navigatorGPU() ?? (await nodeGPU());
  if (!gpu) {
    throw new BackendError(
      'webgpu: no WebGPU here: browsers need navigator.gpu; in Node install the `webgpu` package ' +
        '(or pass { gpu: create([...]) } from it)',
    );
  }
  const adapter = await gpu.requestAdapter(options.adapterOptions);
  if (!adapter) {
    throw new BackendError(
      'webgpu: no WebGPU adapter found (on Linux without a GPU: install a Vulkan driver, e.g. SwiftShader from ' +
        "Debian's chromium package, and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)",
    );
  }
  const lim = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxBufferSize: lim.maxBufferSize,
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      },
    });
  } catch (e) {
    throw new BackendError(`webgpu: requesting a device failed: ${(e as Error).message}`);
  }
  return webgpuBackend(gpu, adapter, device, options);
}

/**
 * Registers the WebGPU backend with `@rnn/tensor` under `options.name` (default `"webgpu"`), above
 * the CPU backend, so `await setBackend('webgpu')` or `await useBestBackend()` picks it. The device
 * is requested on first use.
 */
export function registerWebGPUBackend(options: WebGPUBackendOptions = {}): void {
  registerBackend(options.name ?? 'webgpu', () => createWebGPUBackend(options), {
    priority: WEBGPU_PRIORITY,
  });
}

function navigatorGPU(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/** Dawn for Node, when the optional `webgpu` package is installed. */
async function nodeGPU(): Promise<GPU | undefined> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return undefined;
  const name = 'webgpu'; // a variable, so browser bundlers do not try to resolve it
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { create(options: string[]): GPU };
    return mod.create([]);
  } catch {
    return undefined;
  }
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  const d: AdapterDescription = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    software: false,
  };
  const text = `${d.vendor} ${d.architecture} ${d.device} ${d.description}`.toLowerCase();
  d.software =
    /swiftshader|llvmpipe|lavapipe|software|warp/.test(text) ||
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  return d;
}

function webgpuBackend(
  gpu: GPU,
  gpuAdapter: GPUAdapter,
  device: GPUDevice,
  options: WebGPUBackendOptions,
): WebGPUBackend {
  // The context keeps `gpu` and the adapter alive: in Dawn for Node, collecting the GPU object tears
  // down the instance that delivers the device's callbacks (a crash, not an error).
  const ctx = new GPUContext(device, options, [gpu, gpuAdapter]);
  const adapter = describe(gpuAdapter);
  const own = (s: GPUStorage): Storage => s;

  return {
    name: options.name ?? 'webgpu',
    supportsFloat64: false,
    adapter,
    device,

    fromArray(data, dtype) {
      const words = toWords(data, dtype);
      const s = handle(ctx, ctx.acquire(words.byteLength, true), data.length);
      ctx.write(s.buffer, words);
      return s;
    },
    async read(storage, dtype, size) {
      const bytes = await ctx.read((storage as GPUStorage).buffer, size * 4);
      return fromWords(bytes, dtype);
    },
    memoryKind: 'device',
    release(storage) {
      const s = storage as GPUStorage;
      if (s.released) return; // the tensor layer releases once; never recycle a buffer twice
      s.released = true;
      ctx.release(s.buffer);
    },
    // After a tensor was collected: its buffer goes back to the pool. The tensor layer holds only the
    // buffer until then, not the handle and its ballast, so the ballast is freed by that collection.
    collectable: (storage) => (storage as GPUStorage).buffer,
    reclaim: (buffer) => ctx.release(buffer as GPUBuffer),
    memory() {
      const st = ctx.poolStats();
      return { buffers: st.liveBuffers, bytes: st.liveBytes };
    },
    sync: () => ctx.sync(),
    stats: () => ({ ...ctx.poolStats(), pipelines: ctx.pipelineCount, submits: ctx.submits }),
    context: ctx,
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

    addInto: (dst, src) => addInto(ctx, dst, src),
    indexAddInto: (dst, axis, index, src) => ix.indexAddInto(ctx, dst, axis, index, src),

    fused: fusedKernels(ctx),
  };
}

/** Host data as the 4-byte words the GPU stores (bool becomes one u32 per element). */
function toWords(data: TypedArray, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array ? data : Float32Array.from(data);
    case 'int32':
      return data instanceof Int32Array ? data : Int32Array.from(data);
    case 'bool':
      return Uint32Array.from(data, (v) => (v ? 1 : 0));
    default:
      throw new DTypeError(
        `webgpu: ${dtype} tensors are not supported on WebGPU (float32, int32 and bool are)`,
      );
  }
}

function fromWords(bytes: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes);
    case 'int32':
      return new Int32Array(bytes);
    case 'bool':
      return Uint8Array.from(new Uint32Array(bytes));
    default:
      throw new DTypeError(
        `webgpu: ${dtype} tensors are not supported on WebGPU (float32, int32 and bool are)`,
      );
  }
}
