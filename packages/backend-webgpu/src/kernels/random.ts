import type { DType, RandomKind, Shape } from '@rnn/tensor/backend';
import { DTypeError } from '@rnn/tensor/backend';
import type { GPUContext } from '../device/context';
import { Params } from '../device/params';
import type { GPUStorage } from '../device/storage';
import { output } from './common';
import { sizeOf } from './layout-math';
import { declare, grid, MATH, main1d } from './wgsl';

/**
 * Philox-4x32-10 in u32 arithmetic, word for word the CPU backend's (`random/philox.ts`): the high half
 * of a 32x32-bit product is assembled from 16-bit halves (no partial sum overflows 32 bits).
 */
const PHILOX = /* wgsl */ `
fn mulhi(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo;
  let hi_lo = a_hi * b_lo;
  let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + a_lo * b_hi;
  return a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
}

fn philox(c_lo: u32, c_hi: u32, key0: u32, key1: u32) -> vec4<u32> {
  var c = vec4<u32>(c_lo, c_hi, 0u, 0u);
  var k0 = key0;
  var k1 = key1;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
    k0 = k0 + 0x9e3779b9u;
    k1 = k1 + 0xbb67ae85u;
  }
  return c;
}

// 24 random bits, exactly representable in f32: (w >> 8) * 2^-24 in [0, 1).
fn uniform01(w: u32) -> f32 { return f32(w >> 8u) * 0x1p-24f; }
`;

/**
 * Counter-based random fill per the contract: thread `b` computes Philox block `counter + b` and
 * writes elements `4b .. 4b+3`. Uniforms are bit-identical to the CPU backend's; normals (Box–Muller
 * on lanes (0,1) and (2,3)) agree to a few float32 ulp (the CPU computes them in float64).
 */
export function random(
  ctx: GPUContext,
  kind: RandomKind,
  shape: Shape,
  dtype: DType,
  key: readonly [number, number],
  counter: number,
): GPUStorage {
  if (dtype !== 'float32')
    throw new DTypeError(`webgpu: random ${kind} needs float32 on WebGPU, got ${dtype}`);
  const n = sizeOf(shape);
  const blocks = Math.ceil(n / 4);
  const out = output(ctx, n);
  const lanes =
    kind === 'uniform'
      ? '  let v = vec4<f32>(uniform01(w.x), uniform01(w.y), uniform01(w.z), uniform01(w.w));'
      : `  let v = vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));`;
  ctx.dispatch(
    `random:${kind}`,
    () => ({
      code: `${MATH}\n${PHILOX}
// (0, 1] for the log, then r * (cos, sin) of 2*pi*u2.
fn box_muller(w0: u32, w1: u32) -> vec2<f32> {
  let u1 = f32((w0 >> 8u) + 1u) * 0x1p-24f;
  let r = sqrt(max(-2.0 * log_(u1), 0.0));
  let sc = sincos_turns(uniform01(w1));
  return vec2<f32>(r * sc.y, r * sc.x);
}
${declare([['dst', 'write', 'f32']])}${main1d(`  let n = p(1u);
  let c_lo = p(4u) + i;
  let c_hi = p(5u) + select(0u, 1u, c_lo < i);
  let w = philox(c_lo, c_hi, p(2u), p(3u));
${lanes}
  let at = i * 4u;
  for (var j = 0u; j < 4u; j++) {
    if (at + j < n) { dst[at + j] = v[j]; }
  }`)}`,
      bindings: ['write'],
    }),
    [out.buffer],
    new Params('random').u(blocks, n, key[0], key[1], counter >>> 0, Math.floor(counter / 4294967296) >>> 0)
      .words,
    grid(blocks),
  );
  return out;
}
