import type { GPUContext } from '../device/context';
import { GPUStorage } from '../device/storage';

/** New storage for `n` elements (any dtype: all are 4-byte words on the GPU). */
export function output(ctx: GPUContext, n: number): GPUStorage {
  return handle(ctx, ctx.acquire(n * 4), n);
}

/** The storage handle of a tensor's buffer, with its share of the context's ballast. */
export function handle(ctx: GPUContext, buffer: GPUBuffer, n: number): GPUStorage {
  return new GPUStorage(buffer, n, ctx.ballast?.share(buffer.size) ?? null);
}

/**
 * WGSL that turns the flat output index `i` into the offsets `o<k>` of each operand, for a walk over
 * the parameter block's `[1] = rank, [2..] = shape, then each operand's strides` (as `collapse` makes).
 */
export function walkOffsets(operands: number, signed = false): string {
  const t = signed ? 'i32' : 'u32';
  const decl = Array.from({ length: operands }, (_, k) => `  var o${k} = ${t}(0);`).join('\n');
  const adds = Array.from(
    { length: operands },
    (_, k) => `    o${k} += ${signed ? 'i32(c) * pi' : 'c * p'}(2u + ${k + 1}u * rank + dd);`,
  ).join('\n');
  return `
${decl}
  let rank = p(1u);
  var rem = i;
  for (var d = rank; d > 0u; d--) {
    let dd = d - 1u;
    let size = p(2u + dd);
    let c = rem % size;
    rem = rem / size;
${adds}
  }`;
}
