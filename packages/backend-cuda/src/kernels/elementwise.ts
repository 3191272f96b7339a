import {
  type BinaryOp,
  broadcastStrides,
  type CompareOp,
  collapse,
  type DType,
  type Shape,
  shapesEqual,
  sizeOf,
  type TensorSpec,
  type UnaryOp,
} from '@rnn/tensor/backend';
import type { Dims } from '../device/args';
import type { CudaContext } from '../device/context';
import { type CudaStorage, ptrOf } from '../device/storage';
import { BINARY_CODE, COMPARE_CODE, UNARY_CODE } from './codes';
import { ALL_DTYPES, checkSize, ELEMENT_BYTES, FLOAT_DTYPES, kernel, perDtype, pick, SUFFIX } from './spec';

const M = 'elementwise';
const UNARY = perDtype(M, 'unary', ALL_DTYPES, ['ptr', 'ptr', 'i32', 'i32']);
const BINARY = perDtype(M, 'binary', ALL_DTYPES, ['ptr', 'ptr', 'ptr', 'dims', 'i32']);
const BINARY_FLAT = perDtype(M, 'binary_flat', ALL_DTYPES, ['ptr', 'ptr', 'ptr', 'i32', 'i32']);
const COMPARE = perDtype(M, 'compare', ALL_DTYPES, ['ptr', 'ptr', 'ptr', 'dims', 'i32']);
const WHERE = perDtype(M, 'where', ALL_DTYPES, ['ptr', 'ptr', 'ptr', 'ptr', 'dims']);
const CLAMP = perDtype(M, 'clamp', ALL_DTYPES, ['ptr', 'ptr', 'i32', 'f64', 'f64']);
const FILL_F64 = kernel(M, 'fill_f64', ['ptr', 'i32', 'f64']);
const ACT_GRAD = perDtype(M, 'act_grad', FLOAT_DTYPES, ['ptr', 'ptr', 'ptr', 'i32', 'i32']);
const ADD_INTO = perDtype(M, 'add_into', FLOAT_DTYPES, ['ptr', 'ptr', 'i32']);
const CAST = new Map<string, ReturnType<typeof kernel>>();
for (const to of ALL_DTYPES) {
  for (const from of ALL_DTYPES) {
    if (to !== from)
      CAST.set(`${to}<${from}`, kernel(M, `cast_${SUFFIX[to]}_${SUFFIX[from]}`, ['ptr', 'ptr', 'i32']));
  }
}

/** New storage for `n` elements of `dtype`. */
export function alloc(ctx: CudaContext, dtype: DType, n: number, op: string): CudaStorage {
  checkSize(op, n);
  return ctx.storage(n * ELEMENT_BYTES[dtype], n);
}

/** The walk of an output of `outShape` over broadcast operands, with dimensions merged. */
export function broadcastDims(shapes: readonly Shape[], outShape: Shape): Dims {
  const c = collapse(
    outShape,
    shapes.map((s) => broadcastStrides(s, outShape)),
  );
  return { shape: c.shape, strides: c.strides };
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const I32 = new Int32Array(F32.buffer);

export function fill(ctx: CudaContext, shape: Shape, dtype: DType, value: number): CudaStorage {
  const n = sizeOf(shape);
  const out = alloc(ctx, dtype, n, 'fill');
  switch (dtype) {
    case 'float32':
      F32[0] = value;
      ctx.memset32(out.ptr, U32[0], n);
      break;
    case 'int32':
      I32[0] = value;
      ctx.memset32(out.ptr, U32[0], n);
      break;
    case 'bool':
      ctx.memset8(out.ptr, value !== 0 ? 1 : 0, n);
      break;
    default:
      if (Object.is(value, 0)) ctx.memset32(out.ptr, 0, 2 * n);
      else ctx.run(FILL_F64, n, [out.ptr, n, value]);
  }
  return out;
}

export function unary(ctx: CudaContext, op: UnaryOp, x: TensorSpec): CudaStorage {
  const n = sizeOf(x.shape);
  const out = alloc(ctx, x.dtype, n, op);
  ctx.run(pick(UNARY, x.dtype, op), n, [out.ptr, ptrOf(x), n, UNARY_CODE[op]]);
  return out;
}

export function binary(
  ctx: CudaContext,
  op: BinaryOp,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): CudaStorage {
  const n = sizeOf(outShape);
  const out = alloc(ctx, a.dtype, n, op);
  if (shapesEqual(a.shape, b.shape)) {
    ctx.run(pick(BINARY_FLAT, a.dtype, op), n, [out.ptr, ptrOf(a), ptrOf(b), n, BINARY_CODE[op]]);
  } else {
    const d = broadcastDims([a.shape, b.shape], outShape);
    ctx.run(pick(BINARY, a.dtype, op), n, [out.ptr, ptrOf(a), ptrOf(b), d, BINARY_CODE[op]]);
  }
  return out;
}

export function compare(
  ctx: CudaContext,
  op: CompareOp,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): CudaStorage {
  const n = sizeOf(outShape);
  const out = alloc(ctx, 'bool', n, op);
  const d = broadcastDims([a.shape, b.shape], outShape);
  ctx.run(pick(COMPARE, a.dtype, op), n, [out.ptr, ptrOf(a), ptrOf(b), d, COMPARE_CODE[op]]);
  return out;
}

export function where(
  ctx: CudaContext,
  c: TensorSpec,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): CudaStorage {
  const n = sizeOf(outShape);
  const out = alloc(ctx, a.dtype, n, 'where');
  const d = broadcastDims([c.shape, a.shape, b.shape], outShape);
  ctx.run(pick(WHERE, a.dtype, 'where'), n, [out.ptr, ptrOf(c), ptrOf(a), ptrOf(b), d]);
  return out;
}

export function clamp(ctx: CudaContext, x: TensorSpec, lo: number, hi: number): CudaStorage {
  const n = sizeOf(x.shape);
  const out = alloc(ctx, x.dtype, n, 'clamp');
  ctx.run(pick(CLAMP, x.dtype, 'clamp'), n, [out.ptr, ptrOf(x), n, lo, hi]);
  return out;
}

export function cast(ctx: CudaContext, x: TensorSpec, dtype: DType): CudaStorage {
  const n = sizeOf(x.shape);
  const out = alloc(ctx, dtype, n, 'cast');
  if (dtype === x.dtype) ctx.copy(out.ptr, ptrOf(x), n * ELEMENT_BYTES[dtype]);
  else ctx.run(CAST.get(`${dtype}<${x.dtype}`)!, n, [out.ptr, ptrOf(x), n]);
  return out;
}

/** `tanhGrad` / `sigmoidGrad`: the activation's gradient from its output `y` and the incoming `g`. */
export function activationGrad(
  ctx: CudaContext,
  kind: 'tanh' | 'sigmoid',
  y: TensorSpec,
  g: TensorSpec,
): CudaStorage {
  const n = sizeOf(y.shape);
  const out = alloc(ctx, y.dtype, n, `${kind}Grad`);
  ctx.run(pick(ACT_GRAD, y.dtype, `${kind}Grad`), n, [
    out.ptr,
    ptrOf(y),
    ptrOf(g),
    n,
    kind === 'sigmoid' ? 1 : 0,
  ]);
  return out;
}

/** `dst += src` in place (float storage of one shape); false for anything else. */
export function addInto(ctx: CudaContext, dst: TensorSpec, src: TensorSpec): boolean {
  const k = ADD_INTO[dst.dtype];
  if (!k || src.dtype !== dst.dtype || !shapesEqual(dst.shape, src.shape)) return false;
  const n = sizeOf(dst.shape);
  ctx.run(k, n, [ptrOf(dst), ptrOf(src), n]);
  return true;
}
