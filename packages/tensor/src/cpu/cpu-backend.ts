import type { Backend, BackendMemory, FusedKernel, Storage, TensorSpec } from '../backend/backend';
import { hasBackend, registerBackend } from '../backend/registry';
import type { DType, TypedArray } from '../dtype';
import { sizeOf } from '../shape';
import * as ew from './kernels/elementwise';
import * as fused from './kernels/fused';
import { addInto, indexAddInto } from './kernels/in-place';
import * as ix from './kernels/indexing';
import { layerNorm } from './kernels/layer-norm';
import * as layout from './kernels/layout';
import { matmul } from './kernels/matmul';
import * as optim from './kernels/optim';
import { random } from './kernels/random';
import * as red from './kernels/reduce';
import { rnnLayer } from './kernels/rnn-layer';
import { softmax } from './kernels/softmax';
import { sumOfSquares } from './kernels/sum-of-squares';
import { allocUninit, recycle } from './pool';

const arr = (t: TensorSpec) => t.storage as TypedArray;

/**
 * The built-in CPU backend: storage is a typed array, kernels are plain loops over typed arrays
 * (one file per kernel family under `kernels/`). It reads synchronously and supports float64.
 * `name` lets tests register a second, independent instance.
 */
export function createCpuBackend(name = 'cpu'): Backend {
  const mem: BackendMemory = { buffers: 0, bytes: 0 };
  const own = (a: TypedArray): Storage => {
    mem.buffers++;
    mem.bytes += a.byteLength;
    return a;
  };
  const empty = (dtype: DType, t: TensorSpec) => allocUninit(dtype, sizeOf(t.shape));

  return {
    name,
    supportsFloat64: true,

    fromArray: (data, dtype) => {
      const a = allocUninit(dtype, data.length);
      a.set(data);
      return own(a);
    },
    read: async (s, _dtype, size) => (s as TypedArray).slice(0, size),
    readSync: (s, _dtype, size) => (s as TypedArray).slice(0, size),
    memoryKind: 'host',
    release: (s) => {
      mem.buffers--;
      mem.bytes -= (s as TypedArray).byteLength;
      recycle(s as TypedArray);
    },
    // The typed array itself goes with its tensor; only the counters wait for the collector's callback.
    collectable: (s) => (s as TypedArray).byteLength,
    reclaim: (bytes) => {
      mem.buffers--;
      mem.bytes -= bytes as number;
    },
    memory: () => ({ ...mem }),

    fill: (shape, dtype, value) => own(ew.fill(shape, dtype, value)),
    unary: (op, x) => own(ew.unary(op, arr(x), empty(x.dtype, x))),
    binary: (op, a, b, outShape) => {
      const out = allocUninit(a.dtype, sizeOf(outShape));
      ew.binary(op, arr(a), a.shape, arr(b), b.shape, out, outShape);
      return own(out);
    },
    compare: (op, a, b, outShape) => {
      const out = allocUninit('bool', sizeOf(outShape)) as Uint8Array;
      ew.compare(op, arr(a), a.shape, arr(b), b.shape, out, outShape);
      return own(out);
    },
    where: (c, a, b, outShape) => {
      const out = allocUninit(a.dtype, sizeOf(outShape));
      ew.where(arr(c) as Uint8Array, c.shape, arr(a), a.shape, arr(b), b.shape, out, outShape);
      return own(out);
    },
    clamp: (x, lo, hi) => {
      const out = empty(x.dtype, x);
      ew.clamp(arr(x), lo, hi, out);
      return own(out);
    },
    cast: (x, dtype) => own(ew.cast(arr(x), dtype)),
    reduce: (op, x, axes) => own(red.reduce(op, arr(x), x.shape, x.dtype, axes)),
    argReduce: (op, x, axis) => own(red.argReduce(op, arr(x), x.shape, axis)),
    matmul: (a, b, transA, transB) => own(matmul(arr(a), a.shape, arr(b), b.shape, transA, transB, a.dtype)),
    strided: (x, outShape, strides, offset) => own(layout.strided(arr(x), outShape, strides, offset)),
    concat: (xs, axis) =>
      own(
        layout.concat(
          xs.map(arr),
          xs.map((x) => x.shape),
          axis,
        ),
      ),
    indexSelect: (x, axis, index) => own(ix.indexSelect(arr(x), x.shape, axis, arr(index) as Int32Array)),
    indexAdd: (shape, axis, index, src) =>
      own(ix.indexAdd(shape, src.dtype, axis, arr(index) as Int32Array, arr(src))),
    gather: (x, axis, index) => own(ix.gather(arr(x), x.shape, axis, arr(index) as Int32Array, index.shape)),
    scatterAdd: (shape, axis, index, src) =>
      own(ix.scatterAdd(shape, src.dtype, axis, arr(index) as Int32Array, index.shape, arr(src))),
    softmax: (x, axis, log) => own(softmax(arr(x), x.shape, axis, log)),
    random: (kind, shape, dtype, key, counter) => own(random(kind, shape, dtype, key, counter)),

    addInto,
    indexAddInto,

    fused: {
      softmaxCrossEntropy: wrapFused(fused.softmaxCrossEntropy, own),
      lstmCell: wrapFused(fused.lstmCell, own),
      rnnLayer: wrapFused(rnnLayer, own),
      layerNorm: wrapFused(layerNorm, own),
      adamUpdate: wrapFused(optim.adamUpdate, own),
      sgdUpdate: wrapFused(optim.sgdUpdate, own),
      tanhGrad: wrapFused(fused.tanhGrad, own),
      sigmoidGrad: wrapFused(fused.sigmoidGrad, own),
      sumOfSquares: wrapFused(sumOfSquares, own),
    },
  };
}

/** Counts the buffers a fused kernel returns in the backend's memory statistics. */
function wrapFused<A>(k: FusedKernel<A>, own: (a: TypedArray) => Storage): FusedKernel<A> {
  const backward = k.backward;
  return {
    forward: (inputs, attrs) => k.forward(inputs, attrs).map((s) => own(s as TypedArray)),
    // Kernels without gradients (optimizer updates) keep `backward` undefined, so `runFused` falls
    // back to the composite if one is ever called with autograd on.
    backward: backward
      ? (inputs, outputs, grads, attrs) =>
          backward(inputs, outputs, grads, attrs).map((s) => (s ? own(s as TypedArray) : null))
      : undefined,
  };
}

/**
 * Registers the built-in CPU backend under `"cpu"` (priority 0: the default, and the fallback of
 * `useBestBackend`) unless a backend of that name is registered already. Importing `@rnn/tensor`
 * calls it; call it again only after replacing `"cpu"` by hand.
 */
export function registerCpuBackend(): void {
  if (!hasBackend('cpu')) registerBackend('cpu', () => createCpuBackend(), { priority: 0 });
}
