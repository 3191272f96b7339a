import { DataFormatError } from '../errors';
import { extractZipEntry, extractZipEntryAsync, type InflateRaw, readZipEntries } from './zip';

/** An array read from a `.npy` file. */
export interface NpyArray {
  dtype: 'float32' | 'float64';
  shape: number[];
  /** Row-major (C order) elements. */
  data: Float32Array | Float64Array;
}

const DESCRS: Record<string, { dtype: NpyArray['dtype']; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
};

/**
 * Parses a `.npy` file (format versions 1, 2 and 3): little-endian `<f4` or `<f8` arrays in C order.
 * Other dtypes, Fortran order, a header that is not a dict and data of the wrong length are
 * `DataFormatError`s that say what was found.
 */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  const fail = (detail: string): never => {
    throw new DataFormatError(file, 0, detail);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) {
    fail('expected a .npy file (magic "\\x93NUMPY"), got other bytes');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('expected a .npy v2 header length, got a truncated file');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(`expected .npy format version 1, 2 or 3, got ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail(`expected a ${headerLen}-byte header, got a truncated file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(
      `expected a header dict with descr, fortran_order and shape, got ${JSON.stringify(header.trim())}`,
    );
  }
  const kind = DESCRS[descr];
  if (!kind) fail(`expected dtype '<f4' or '<f8', got ${JSON.stringify(descr)}`);
  if (fortran === 'True') fail('expected C order (fortran_order: False), got Fortran order');
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (!dims.every((d) => /^\d+$/.test(d))) fail(`expected a shape of integers, got (${shapeText})`);
  const shape = dims.map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const byteLength = size * kind.bytes;
  if (bytes.length - dataStart !== byteLength) {
    fail(
      `expected ${byteLength} data bytes for shape (${shape.join(', ')}) of ${descr}, got ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh buffer: the data need not be aligned to its element size inside the file's
  // buffer (and a Node Buffer's slice() is a view, not a copy).
  const aligned = new Uint8Array(byteLength);
  aligned.set(bytes.subarray(dataStart, dataStart + byteLength));
  const copy = aligned.buffer;
  const data = kind.dtype === 'float32' ? new Float32Array(copy) : new Float64Array(copy);
  return { dtype: kind.dtype, shape, data };
}

function npzName(name: string): string {
  return name.endsWith('.npy') ? name.slice(0, -4) : name;
}

/**
 * Parses a `.npz` archive (`numpy.savez` / `savez_compressed`: a zip of `.npy` members) into arrays
 * keyed by name without `.npy`. Deflated members need `inflateRaw` (the `@rnn/data/node` entry passes
 * `node:zlib`'s; in a browser use {@link parseNpzAsync}).
 */
export function parseNpz(
  bytes: Uint8Array,
  options: { file?: string; inflateRaw?: InflateRaw } = {},
): Map<string, NpyArray> {
  const file = options.file ?? '<npz>';
  const out = new Map<string, NpyArray>();
  for (const entry of readZipEntries(bytes, file)) {
    if (entry.method === 8 && !options.inflateRaw) {
      throw new DataFormatError(
        file,
        0,
        `expected an inflateRaw function for the deflated member ${JSON.stringify(entry.name)}, got none (use parseNpzAsync or @rnn/data/node)`,
      );
    }
    const data = extractZipEntry(entry, options.inflateRaw ?? ((d) => d), file);
    out.set(npzName(entry.name), parseNpy(data, `${file}/${entry.name}`));
  }
  return out;
}

/** {@link parseNpz} with the platform's `DecompressionStream` for deflated members (browsers, Node 20). */
export async function parseNpzAsync(bytes: Uint8Array, file = '<npz>'): Promise<Map<string, NpyArray>> {
  const out = new Map<string, NpyArray>();
  for (const entry of readZipEntries(bytes, file)) {
    const data = await extractZipEntryAsync(entry, file);
    out.set(npzName(entry.name), parseNpy(data, `${file}/${entry.name}`));
  }
  return out;
}
