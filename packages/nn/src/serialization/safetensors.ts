/**
 * safetensors, per its public specification (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian u64 `N`, `N` bytes of UTF-8 JSON header
 * `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}` padded with
 * spaces to a multiple of 8, then the little-endian, row-major data of each tensor, contiguous and
 * in header order. Files written here are byte-identical to the reference (Rust) implementation's:
 * tensors ordered by descending dtype alignment, then by name; `__metadata__` first (its keys
 * sorted, where the reference leaves a hash order); compact JSON.
 */
import {
  type Backend,
  BackendError,
  DataFormatError,
  type DType,
  type Tensor,
  type TypedArray,
  tensor,
  ValueError,
} from '@rnn/tensor';

/** The dtypes of the safetensors format, in the reference implementation's (alignment) order. */
export const SAFETENSORS_DTYPES = [
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
] as const;

/** A safetensors dtype name. */
export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const TO_SAFETENSORS: Record<DType, SafetensorsDType> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** The reference implementation refuses headers above 100 MB; so does this reader. */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range `[begin, end)` in the data section (after the header). */
  dataOffsets: [number, number];
}

/** A parsed safetensors header. */
export interface SafetensorsHeader {
  /** Tensor entries in data order (an array: an object would put integer-like names first). */
  tensors: SafetensorsTensorInfo[];
  /** The free-form string map `__metadata__` (empty when absent). */
  metadata: Record<string, string>;
  /** Where the data section starts in the buffer (8 + header length). */
  dataStart: number;
}

/** Options of {@link loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /** Backend of the new tensors (the current backend by default). */
  backend?: string | Backend;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ------------------------------------------------------------------ writing

/**
 * Serializes a state dict (`name → tensor`) with optional string metadata to safetensors bytes.
 * Reads the tensors synchronously (the CPU backend); use {@link saveSafetensorsAsync} for backends
 * that read asynchronously.
 *
 * @example
 * ```ts
 * const bytes = saveSafetensors(model.stateDict(), { format: 'pt' });
 * ```
 */
export function saveSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const data = Object.entries(tensors).map(([name, t]): [string, Tensor, TypedArray] => {
    if (!t.backend.readSync) {
      throw new BackendError(
        `saveSafetensors: tensor "${name}" is on backend "${t.backend.name}", which reads asynchronously; ` +
          'use `await saveSafetensorsAsync(...)`',
      );
    }
    return [name, t, t.dataSync()];
  });
  return encode(data, metadata);
}

/** {@link saveSafetensors} for tensors on any backend (reads their data asynchronously). */
export async function saveSafetensorsAsync(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const data: [string, Tensor, TypedArray][] = [];
  for (const [name, t] of Object.entries(tensors)) data.push([name, t, await t.data()]);
  return encode(data, metadata);
}

function encode(
  entries: [string, Tensor, TypedArray][],
  metadata: Record<string, string> | undefined,
): Uint8Array {
  for (const [name, t] of entries) {
    if ((t as { isTensor?: unknown } | null)?.isTensor !== true) {
      throw new ValueError(`saveSafetensors: "${name}" is not a tensor`);
    }
    if (name === '__metadata__')
      throw new ValueError('saveSafetensors: "__metadata__" is reserved and cannot name a tensor');
  }
  const order = (d: DType) => SAFETENSORS_DTYPES.indexOf(TO_SAFETENSORS[d]);
  entries.sort(([na, a], [nb, b]) => order(b.dtype) - order(a.dtype) || compareCodePoints(na, nb));
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    for (const k of keys) {
      if (typeof metadata[k] !== 'string') {
        throw new ValueError(
          `saveSafetensors: metadata values must be strings, "${k}" is ${typeof metadata[k]}`,
        );
      }
    }
    parts.push(
      `"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`,
    );
  }
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const [name, t, arr] of entries) {
    const bytes = toLittleEndianBytes(arr, t.dtype);
    const info = `{"dtype":"${TO_SAFETENSORS[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes.length}]}`;
    parts.push(`${JSON.stringify(name)}:${info}`);
    offset += bytes.length;
    blobs.push(bytes);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Byte order of UTF-8 strings (Rust's `str` ordering) is code-point order. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (d !== 0) return d;
  }
}

function toLittleEndianBytes(arr: TypedArray, dtype: DType): Uint8Array {
  if (dtype === 'bool') return Uint8Array.from(arr as Uint8Array, (v) => (v ? 1 : 0));
  if (LITTLE_ENDIAN) return new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength));
  const size = arr.BYTES_PER_ELEMENT;
  const out = new Uint8Array(arr.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < arr.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, arr[i], true);
    else if (dtype === 'float64') view.setFloat64(i * 8, arr[i], true);
    else view.setInt32(i * 4, arr[i], true);
  }
  return out;
}

// ------------------------------------------------------------------ reading

function fail(message: string): never {
  throw new DataFormatError('safetensors', 0, message);
}

/**
 * Parses and validates the header of safetensors bytes without reading any tensor: dtypes known,
 * shapes non-negative integers, data offsets contiguous from 0, each range exactly the size of its
 * tensor, and the last one ending at the end of the buffer. Errors are `DataFormatError`s.
 */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) fail(`the buffer has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES))
    fail(`the header length ${n64} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail(
      `the header length ${n} runs past the end of the buffer (${bytes.length} bytes; is the file truncated?)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header must start with "{", got ${JSON.stringify(text.slice(0, 16))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    fail('the header must be a JSON object');
  const metadata: Record<string, string> = {};
  const entries: SafetensorsTensorInfo[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        fail('"__metadata__" must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string')
          fail(`"__metadata__" value "${k}" must be a string, got ${JSON.stringify(v)}`);
        define(metadata, k, v);
      }
      continue;
    }
    entries.push(parseInfo(name, raw));
  }
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expected = 0;
  for (const info of entries) {
    const { name } = info;
    const [begin, end] = info.dataOffsets;
    if (begin !== expected) {
      fail(
        `tensor "${name}" starts at data offset ${begin}, expected ${expected} (offsets must be contiguous from 0)`,
      );
    }
    const size = info.shape.reduce((a, d) => a * d, 1) * ELEMENT_BYTES[info.dtype];
    if (end - begin !== size) {
      fail(
        `tensor "${name}" (${info.dtype} [${info.shape.join(', ')}]) needs ${size} bytes, ` +
          `its data_offsets [${begin}, ${end}] give ${end - begin}`,
      );
    }
    expected = end;
  }
  if (8 + n + expected !== bytes.length) {
    fail(
      `the tensors cover ${expected} bytes of data, but the buffer holds ${bytes.length - 8 - n} after the header ` +
        '(truncated or trailing bytes)',
    );
  }
  return { tensors: entries, metadata, dataStart: 8 + n };
}

function parseInfo(name: string, raw: unknown): SafetensorsTensorInfo {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(`the entry of tensor "${name}" must be an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
    fail(
      `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)} (expected one of ${SAFETENSORS_DTYPES.join(', ')})`,
    );
  }
  const isIndex = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)} (expected non-negative integers)`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    fail(
      `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end], begin <= end)`,
    );
  }
  return {
    name,
    dtype: dtype as SafetensorsDType,
    shape: shape as number[],
    dataOffsets: [offsets[0], offsets[1]],
  };
}

/** Sets an own property, even one named `__proto__`. */
function define<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reads safetensors bytes into tensors. `F32`, `F64`, `I32` and `BOOL` map to float32, float64,
 * int32 and bool; `F16` and `BF16` widen to float32 exactly; the other integer types become int32
 * (a `DataFormatError` if a value does not fit); `F8_*` are not supported.
 *
 * @example
 * ```ts
 * model.loadStateDict(loadSafetensors(await readFile('model.safetensors')));
 * ```
 */
export function loadSafetensors(
  bytes: Uint8Array,
  options: LoadSafetensorsOptions = {},
): Record<string, Tensor> {
  const header = readSafetensorsHeader(bytes);
  const out: Record<string, Tensor> = {};
  for (const info of header.tensors) {
    const { name } = info;
    const [begin, end] = info.dataOffsets;
    const raw = bytes.subarray(header.dataStart + begin, header.dataStart + end);
    const [data, dtype] = decodeData(name, info.dtype, raw);
    define(out, name, tensor(data, { dtype, shape: info.shape, backend: options.backend }));
  }
  return out;
}

function decodeData(name: string, dtype: SafetensorsDType, raw: Uint8Array): [TypedArray, DType] {
  // A fresh, aligned copy: `raw` may be a Node Buffer, whose slice() is a view into a shared pool.
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  const view = new DataView(copy.buffer);
  const n = raw.length / ELEMENT_BYTES[dtype];
  const ints = (read: (i: number) => number | bigint): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = read(i);
      if (v < -2147483648 || v > 2147483647) {
        fail(`tensor "${name}" (${dtype}) holds ${v} at flat index ${i}, which does not fit int32`);
      }
      out[i] = Number(v);
    }
    return out;
  };
  switch (dtype) {
    case 'F32':
      return [
        LITTLE_ENDIAN
          ? new Float32Array(copy.buffer)
          : Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true)),
        'float32',
      ];
    case 'F64':
      return [
        LITTLE_ENDIAN
          ? new Float64Array(copy.buffer)
          : Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true)),
        'float64',
      ];
    case 'I32':
      return [
        LITTLE_ENDIAN
          ? new Int32Array(copy.buffer)
          : Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true)),
        'int32',
      ];
    case 'BOOL':
      return [copy.map((v) => (v ? 1 : 0)), 'bool'];
    case 'F16':
      return [
        Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(i * 2, true))),
        'float32',
      ];
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return [out, 'float32'];
    }
    case 'U8':
      return [ints((i) => view.getUint8(i)), 'int32'];
    case 'I8':
      return [ints((i) => view.getInt8(i)), 'int32'];
    case 'I16':
      return [ints((i) => view.getInt16(i * 2, true)), 'int32'];
    case 'U16':
      return [ints((i) => view.getUint16(i * 2, true)), 'int32'];
    case 'U32':
      return [ints((i) => view.getUint32(i * 4, true)), 'int32'];
    case 'I64':
      return [ints((i) => view.getBigInt64(i * 8, true)), 'int32'];
    case 'U64':
      return [ints((i) => view.getBigUint64(i * 8, true)), 'int32'];
    default:
      return fail(`tensor "${name}" has dtype ${dtype}, which @rnn cannot load (no 8-bit float type)`);
  }
}

/** IEEE 754 binary16 to a number (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
