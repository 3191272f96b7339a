/**
 * Rewrites a safetensors file's F32 tensors as F16 (halves the demo checkpoint; `loadSafetensors`
 * widens F16 back to float32, as it does for a PyTorch `model.half()` state dict). Other dtypes
 * and the metadata are kept.
 */
import { readSafetensorsHeader } from '@rnn/nn';

/** The float16 bits of a float32 value, rounded to nearest even. */
export function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → 0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) {
    half++;
    if (half === 0x400) {
      half = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | half;
}

/** The same file with every F32 tensor stored as F16. */
export function toFloat16Safetensors(bytes: Uint8Array): Uint8Array {
  const header = readSafetensorsHeader(bytes);
  const json: Record<string, unknown> = {};
  if (Object.keys(header.metadata).length > 0) json.__metadata__ = header.metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const info of header.tensors) {
    const [begin, end] = info.dataOffsets;
    let raw = bytes.slice(header.dataStart + begin, header.dataStart + end);
    let dtype = info.dtype;
    if (dtype === 'F32') {
      const f32 = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      const f16 = new Uint16Array(f32.length);
      for (let i = 0; i < f32.length; i++) f16[i] = toHalf(f32[i]);
      raw = new Uint8Array(f16.buffer);
      dtype = 'F16';
    }
    json[info.name] = { dtype, shape: info.shape, data_offsets: [offset, offset + raw.length] };
    chunks.push(raw);
    offset += raw.length;
  }
  const encoded = new TextEncoder().encode(JSON.stringify(json));
  const head = new Uint8Array(encoded.length + ((8 - (encoded.length % 8)) % 8)).fill(0x20); // 8-byte aligned data
  head.set(encoded);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
