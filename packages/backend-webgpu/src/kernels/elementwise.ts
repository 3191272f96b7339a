import {
  BackendError,
  type BinaryOp,
  type CompareOp,
  type DType,
  type FusedKernel,
  type Shape,
  type TensorSpec,
  type UnaryOp,
} from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import { bufferOf, type GPUStorage } from '../device/storage';
import { output, walkOffsets } from './common';
import { broadcastStrides, collapse, sizeOf } from './layout-math';
import { declare, grid, MATH, main1d, wgslType } from './wgsl';

// ------------------------------------------------------------------ fill

/** Fills with a bit pattern computed on the host, so one kernel serves every dtype. */
export function fill(ctx: GPUContext, shape: Shape, dtype: DType, value: number): GPUStorage {
  const n = sizeOf(shape);
  const out = output(ctx, n);
  const bits = new Uint32Array(1);
  if (dtype === 'float32') new Float32Array(bits.buffer)[0] = value;
  else if (dtype === 'int32') new Int32Array(bits.buffer)[0] = value;
  else if (dtype === 'bool') bits[0] = value !== 0 ? 1 : 0;
  else wgslType(dtype);
  ctx.dispatch(
    'fill',
    () => ({
      code: `${declare([['dst', 'write', 'u32']])}${main1d('  dst[i] = p(1u);')}`,
      bindings: ['write'],
    }),
    [out.buffer],
    new Params('fill').u(n, bits[0]).words,
    grid(n),
  );
  return out;
}

// ------------------------------------------------------------------ unary

function unaryExpr(op: UnaryOp, t: string): string | undefined {
  if (t === 'f32') {
    switch (op) {
      case 'neg':
        return '-x';
      case 'exp':
        return 'exp_(x)';
      case 'log':
        return 'log_(x)';
      case 'sqrt':
        return 'select(sqrt(x), nan_(), x < 0.0)';
      case 'abs':
        return 'abs(x)';
      case 'tanh':
        return 'tanh_(x)';
      case 'sigmoid':
        return 'sigmoid_(x)';
      case 'relu':
        return 'select(x, 0.0, x < 0.0)';
      case 'sign':
        return 'select(select(x, -1.0, x < 0.0), 1.0, x > 0.0)';
      case 'not':
        return 'select(0.0, 1.0, x == 0.0)';
    }
  }
  if (t === 'i32') {
    switch (op) {
      case 'neg':
        return '-x';
      case 'abs':
        return 'abs(x)';
      case 'relu':
        return 'max(x, 0)';
      case 'sign':
        return 'sign(x)';
      case 'not':
        return 'select(0, 1, x == 0)';
    }
    return undefined;
  }
  if (t === 'u32') {
    switch (op) {
      case 'not':
        return 'select(0u, 1u, x == 0u)';
      case 'abs':
      case 'relu':
        return 'x';
      case 'sign':
        return 'min(x, 1u)';
    }
  }
  return undefined;
}

export function unary(ctx: GPUContext, op: UnaryOp, x: TensorSpec): GPUStorage {
  const t = wgslType(x.dtype);
  const expr = unaryExpr(op, t);
  if (!expr) throw new BackendError(`webgpu: unary ${op} is not defined for ${x.dtype} tensors`);
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  ctx.dispatch(
    `unary:${op}:${t}`,
    () => ({
      code: `${MATH}
${declare([
  ['xs', 'read', t],
  ['dst', 'write', t],
])}${main1d(`  let x = xs[i];\n  dst[i] = ${expr};`)}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(x), out.buffer],
    new Params('unary').u(n).words,
    grid(n),
  );
  return out;
}

/**
 * The fused `tanhGrad` / `sigmoidGrad` ops: an activation's gradient from its output `y` and the
 * incoming gradient `g` (`g·(1 − y²)`, `g·(y·(1 − y))`) in one dispatch, in the composite's float32
 * operation order.
 */
export function activationGrad(ctx: GPUContext, kind: 'tanh' | 'sigmoid'): FusedKernel {
  const expr = kind === 'tanh' ? 'g * (1.0 - y * y)' : 'g * (y * (1.0 - y))';
  return {
    forward([y, g]) {
      const t = wgslType(y.dtype);
      const n = sizeOf(y.shape);
      const out = output(ctx, n);
      ctx.dispatch(
        `${kind}Grad:${t}`,
        () => ({
          code: `${declare([
            ['ys', 'read', t],
            ['gs', 'read', t],
            ['dst', 'write', t],
          ])}${main1d(`  let y = ys[i];\n  let g = gs[i];\n  dst[i] = ${expr};`)}`,
          bindings: ['read', 'read', 'write'],
        }),
        [bufferOf(y), bufferOf(g), out.buffer],
        new Params(`${kind}Grad`).u(n).words,
        grid(n),
      );
      return [out];
    },
  };
}

// ------------------------------------------------------------------ binary, compare, where

/** Collapsed broadcast walk of `inputs` over `outShape`, written into the parameter block after `n`. */
function broadcastParams(op: string, inputs: readonly Shape[], outShape: Shape): Params {
  const { shape, strides } = collapse(
    outShape,
    inputs.map((s) => broadcastStrides(s, outShape)),
  );
  const p = new Params(op).u(sizeOf(outShape), shape.length).u(...shape);
  for (const s of strides) p.u(...s);
  return p;
}

/** `a op b` in WGSL for element type `t` (NaN handling as the CPU backend: maximum/minimum propagate NaN). */
function binaryExpr(op: BinaryOp, t: string): string {
  switch (op) {
    case 'add':
      return 'a + b';
    case 'sub':
      return 'a - b';
    case 'mul':
      return 'a * b';
    case 'div':
      return t === 'f32' ? 'a / b' : t === 'i32' ? 'select(a / b, 0, b == 0)' : 'select(a / b, 0u, b == 0u)';
    case 'pow':
      return t === 'f32' ? 'powf_(a, b)' : t === 'i32' ? 'powi_(a, b)' : 'select(a, 1u, b == 0u)';
    case 'maximum':
      return t === 'f32' ? 'select(select(b, a, a > b), nan_(), isnan_(a) || isnan_(b))' : 'max(a, b)';
    case 'minimum':
      return t === 'f32' ? 'select(select(b, a, a < b), nan_(), isnan_(a) || isnan_(b))' : 'min(a, b)';
  }
}

/**
 * Powers as JavaScript's `**` computes them: integer exponents by repeated squaring (exact for small
 * results, and right for negative bases), others through exp/log.
 */
const POW = /* wgsl */ `
fn powf_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b)) { return select(nan_(), 1.0, b == 0.0); }
  if (b == 0.0) { return 1.0; }
  if (b == round(b) && abs(b) <= 64.0) {
    var e = u32(abs(b));
    var base = a;
    var r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a == 0.0) { return select(0.0, inf_(), b < 0.0); }
  if (a < 0.0) {
    if (a == -1.0 && isinf_(b)) { return nan_(); }
    if (isinf_(b)) { return select(select(0.0, inf_(), abs(a) > 1.0), select(0.0, inf_(), abs(a) < 1.0), b < 0.0); }
    if (b != round(b)) { return select(nan_(), select(0.0, inf_(), b > 0.0), isinf_(a)); }
    let r = exp_(b * log_(-a));
    let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
    return select(r, -r, odd);
  }
  if (isinf_(b) && abs(a) == 1.0) { return nan_(); }
  if (a == 1.0) { return 1.0; }
  return exp_(b * log_(a));
}
fn powi_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var e = u32(b);
  var base = a;
  var r = 1;
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { r = r * base; }
    e = e >> 1u;
    base = base * base;
  }
  return r;
}
`;

export function binary(
  ctx: GPUContext,
  op: BinaryOp,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): GPUStorage {
  const t = wgslType(a.dtype);
  const params = broadcastParams(`binary ${op}`, [a.shape, b.shape], outShape);
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  ctx.dispatch(
    `binary:${op}:${t}`,
    () => ({
      code: `${MATH}${op === 'pow' ? POW : ''}
${declare([
  ['xa', 'read', t],
  ['xb', 'read', t],
  ['dst', 'write', t],
])}${main1d(`${walkOffsets(2)}
  let a = xa[o0];
  let b = xb[o1];
  dst[i] = ${binaryExpr(op, t)};`)}`,
      bindings: ['read', 'read', 'write'],
    }),
    [bufferOf(a), bufferOf(b), out.buffer],
    params.words,
    grid(n),
  );
  return out;
}

const COMPARE: Record<CompareOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

export function compare(
  ctx: GPUContext,
  op: CompareOp,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): GPUStorage {
  const t = wgslType(a.dtype);
  const params = broadcastParams(`compare ${op}`, [a.shape, b.shape], outShape);
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  // IEEE: every comparison with NaN is false except `ne`; tested on the bits so no compiler assumes NaN away.
  const test =
    t === 'f32'
      ? `select(a ${COMPARE[op]} b, ${op === 'ne' ? 'true' : 'false'}, isnan_(a) || isnan_(b))`
      : `a ${COMPARE[op]} b`;
  ctx.dispatch(
    `compare:${op}:${t}`,
    () => ({
      code: `${MATH}
${declare([
  ['xa', 'read', t],
  ['xb', 'read', t],
  ['dst', 'write', 'u32'],
])}${main1d(`${walkOffsets(2)}
  let a = xa[o0];
  let b = xb[o1];
  dst[i] = select(0u, 1u, ${test});`)}`,
      bindings: ['read', 'read', 'write'],
    }),
    [bufferOf(a), bufferOf(b), out.buffer],
    params.words,
    grid(n),
  );
  return out;
}

export function where(
  ctx: GPUContext,
  c: TensorSpec,
  a: TensorSpec,
  b: TensorSpec,
  outShape: Shape,
): GPUStorage {
  const params = broadcastParams('where', [c.shape, a.shape, b.shape], outShape);
  const n = sizeOf(outShape);
  const out = output(ctx, n);
  wgslType(a.dtype);
  // Moves bits: one kernel for every dtype.
  ctx.dispatch(
    'where',
    () => ({
      code: `${declare([
        ['cs', 'read', 'u32'],
        ['xa', 'read', 'u32'],
        ['xb', 'read', 'u32'],
        ['dst', 'write', 'u32'],
      ])}${main1d(`${walkOffsets(3)}
  dst[i] = select(xb[o2], xa[o1], cs[o0] != 0u);`)}`,
      bindings: ['read', 'read', 'read', 'write'],
    }),
    [bufferOf(c), bufferOf(a), bufferOf(b), out.buffer],
    params.words,
    grid(n),
  );
  return out;
}

// ------------------------------------------------------------------ clamp and cast

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export function clamp(ctx: GPUContext, x: TensorSpec, lo: number, hi: number): GPUStorage {
  const t = wgslType(x.dtype);
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  const params = new Params('clamp').u(n);
  let body: string;
  if (t === 'f32') {
    params.f(lo, hi);
    body =
      '  let x = xs[i];\n  let lo = pf(1u);\n  let hi = pf(2u);\n  dst[i] = select(select(x, hi, x > hi), lo, x < lo);';
  } else {
    // An integer x is below a real bound lo exactly when x < ceil(lo); the CPU backend stores the
    // bound itself, truncated to an integer.
    const bound = (v: number) => Math.min(Math.max(v, INT_MIN), INT_MAX);
    params.i(bound(Math.ceil(lo)), bound(Math.trunc(lo)), bound(Math.floor(hi)), bound(Math.trunc(hi)));
    body =
      t === 'i32'
        ? '  let x = xs[i];\n  dst[i] = select(select(x, pi(4u), x > pi(3u)), pi(2u), x < pi(1u));'
        : '  let x = i32(xs[i]);\n  dst[i] = u32(select(select(x, pi(4u), x > pi(3u)), pi(2u), x < pi(1u)));';
  }
  ctx.dispatch(
    `clamp:${t}`,
    () => ({
      code: `${declare([
        ['xs', 'read', t],
        ['dst', 'write', t],
      ])}${main1d(body)}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(x), out.buffer],
    params.words,
    grid(n),
  );
  return out;
}

function castExpr(from: string, to: string): string {
  if (from === to) return 'x';
  if (to === 'u32')
    return from === 'f32'
      ? 'select(0u, 1u, (bitcast<u32>(x) & 0x7fffffffu) != 0u)'
      : 'select(0u, 1u, x != 0)';
  if (to === 'f32') return 'f32(x)';
  // to i32: float truncates toward zero (NaN and infinities give 0, as storing them in an Int32Array does)
  return from === 'f32' ? 'select(i32(x), 0, isnan_(x) || isinf_(x))' : 'i32(x)';
}

export function cast(ctx: GPUContext, x: TensorSpec, dtype: DType): GPUStorage {
  const from = wgslType(x.dtype);
  const to = wgslType(dtype);
  const n = sizeOf(x.shape);
  const out = output(ctx, n);
  ctx.dispatch(
    `cast:${from}:${to}`,
    () => ({
      code: `${MATH}
${declare([
  ['xs', 'read', from],
  ['dst', 'write', to],
])}${main1d(`  let x = xs[i];\n  dst[i] = ${castExpr(from, to)};`)}`,
      bindings: ['read', 'write'],
    }),
    [bufferOf(x), out.buffer],
    new Params('cast').u(n).words,
    grid(n),
  );
  return out;
}
