import { DataFormatError } from '../errors';

/** Decompresses raw DEFLATE data (zip method 8), e.g. `node:zlib`'s `inflateRawSync`. */
export type InflateRaw = (data: Uint8Array) => Uint8Array;

/** One member of a zip archive, before decompression. */
export interface ZipEntry {
  name: string;
  /** 0 (stored) or 8 (deflate). */
  method: number;
  crc32: number;
  /** Uncompressed size. */
  size: number;
  /** The member's bytes as stored (compressed for method 8). */
  raw: Uint8Array;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * Lists the members of a zip archive (`.npz` files are zips of `.npy`): reads the central directory,
 * ZIP64 included (numpy writes it), and each local header. Stored and deflate members only;
 * anything else, encrypted members, and offsets outside the file are `DataFormatError`s naming `file`.
 */
export function readZipEntries(bytes: Uint8Array, file = '<zip>'): ZipEntry[] {
  const fail = (detail: string): never => {
    throw new DataFormatError(file, 0, detail);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`expected a size below 2^53, got ${v}`);
    return Number(v);
  };
  const need = (offset: number, length: number, what: string) => {
    if (offset < 0 || offset + length > bytes.length) {
      fail(
        `expected ${what} at bytes ${offset}..${offset + length}, got a file of ${bytes.length} bytes (truncated?)`,
      );
    }
  };
  if (bytes.length < 22) fail(`expected a zip archive, got ${bytes.length} bytes`);
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0)
    fail('expected a zip archive (end-of-central-directory record), got none (not a zip, or truncated)');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    need(loc, 20, 'a ZIP64 locator');
    if (u32(loc) !== ZIP64_LOCATOR) fail('expected a ZIP64 end-of-central-directory locator, got none');
    const rec = u64(loc + 8);
    need(rec, 56, 'a ZIP64 end-of-central-directory record');
    if (u32(rec) !== ZIP64_EOCD)
      fail(`expected a ZIP64 end-of-central-directory record at byte ${rec}, got none`);
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOffset = u64(rec + 48);
  }
  need(cdOffset, cdSize, 'the central directory');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const names = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    need(p, 46, `central directory entry ${i}`);
    if (u32(p) !== CENTRAL) fail(`expected central directory entry ${i} at byte ${p}, got other bytes`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    need(p + 46, nameLen + extraLen + commentLen, `the name and extra fields of entry ${i}`);
    const name = names.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: 64-bit values for the fields that are 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(q);
          q += 8;
        }
        if (compSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compSize = u64(q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(q);
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`expected an unencrypted member, got encrypted ${JSON.stringify(name)}`);
    if (method !== 0 && method !== 8) {
      fail(
        `expected member ${JSON.stringify(name)} stored (0) or deflated (8), got compression method ${method}`,
      );
    }
    need(localOffset, 30, `the local header of ${JSON.stringify(name)}`);
    if (u32(localOffset) !== LOCAL)
      fail(`expected the local header of ${JSON.stringify(name)} at byte ${localOffset}, got other bytes`);
    const dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    need(dataStart, compSize, `the data of ${JSON.stringify(name)}`);
    entries.push({ name, method, crc32: crc, size, raw: bytes.subarray(dataStart, dataStart + compSize) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Decompresses one member and checks its size and CRC-32. */
export function extractZipEntry(entry: ZipEntry, inflateRaw: InflateRaw, file = '<zip>'): Uint8Array {
  let data: Uint8Array;
  if (entry.method === 0) data = entry.raw;
  else {
    try {
      data = inflateRaw(entry.raw);
    } catch (e) {
      throw new DataFormatError(
        file,
        0,
        `expected valid deflate data in ${JSON.stringify(entry.name)}, got: ${(e as Error).message}`,
      );
    }
  }
  checkEntry(entry, data, file);
  return data;
}

/** Decompresses one member with the platform's `DecompressionStream` (browsers, Node 20). */
export async function extractZipEntryAsync(entry: ZipEntry, file = '<zip>'): Promise<Uint8Array> {
  let data: Uint8Array;
  if (entry.method === 0) data = entry.raw;
  else {
    try {
      const stream = new Blob([entry.raw as Uint8Array<ArrayBuffer>])
        .stream()
        .pipeThrough(new DecompressionStream('deflate-raw'));
      data = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (e) {
      throw new DataFormatError(
        file,
        0,
        `expected valid deflate data in ${JSON.stringify(entry.name)}, got: ${(e as Error).message}`,
      );
    }
  }
  checkEntry(entry, data, file);
  return data;
}

function checkEntry(entry: ZipEntry, data: Uint8Array, file: string): void {
  if (data.length !== entry.size) {
    throw new DataFormatError(
      file,
      0,
      `expected ${entry.size} bytes in ${JSON.stringify(entry.name)}, got ${data.length}`,
    );
  }
  const crc = crc32(data);
  if (crc !== entry.crc32) {
    throw new DataFormatError(
      file,
      0,
      `expected CRC-32 ${entry.crc32.toString(16).padStart(8, '0')} for ${JSON.stringify(entry.name)}, got ${crc.toString(16).padStart(8, '0')} (corrupt archive)`,
    );
  }
}

let table: Uint32Array | null = null;

/** CRC-32 (IEEE, as zip and gzip use it). */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
