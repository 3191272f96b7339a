import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Generator, rand } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  alignEmbeddings,
  crc32,
  parseNpy,
  parseNpz,
  parseNpzAsync,
  parseTextVectors,
  readZipEntries,
  Vocab,
  vectorsFromMatrix,
} from '../src';
import { formatError, utf8 } from './helpers';

const inflateRaw = (d: Uint8Array) => new Uint8Array(inflateRawSync(d));

/** A .npy file as numpy writes it (header padded so the data starts at a multiple of 64). */
function npy(descr: string, shape: number[], values: number[], version = 1, fortran = false): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - pre - dict.length - 1)}\n`;
  const data = descr === '<f4' ? new Float32Array(values) : new Float64Array(values);
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...utf8('NUMPY'), version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(utf8(header), pre);
  out.set(new Uint8Array(data.buffer), total);
  return out;
}

/** A plain (non-ZIP64) zip archive. */
function zip(entries: { name: string; data: Uint8Array; deflate?: boolean }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const name = utf8(e.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, e.deflate ? 8 : 0, true);
    lv.setUint32(14, crc32(e.data), true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, e.deflate ? 8 : 0, true);
    cv.setUint32(16, crc32(e.data), true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

describe('text vectors', () => {
  it('reads GloVe (no header) and word2vec (count dim header)', () => {
    const glove = parseTextVectors('the 0.1 0.2\ncat -1 2e-1\n', { file: 'g.txt' });
    expect(glove.dim).toBe(2);
    expect(glove.tokens).toEqual(['the', 'cat']);
    expect(Array.from(glove.vectors)).toEqual([0.1, 0.2, -1, 0.2].map(Math.fround));
    const w2v = parseTextVectors('2 3\na 1 2 3\nb 4 5 6\n', { keep: (t) => t === 'b' });
    expect(w2v.header).toEqual({ count: 2, dim: 3 });
    expect(w2v.tokens).toEqual(['b']);
    expect(w2v.report.records).toBe(2);
  });

  it('names the line of wrong column counts and bad numbers, and checks the header count', () => {
    expect(formatError(() => parseTextVectors('a 1 2\nb 1\n', { file: 'v' })).message).toBe(
      'v:2: expected a token and 2 numbers (3 fields), got 2 fields',
    );
    expect(formatError(() => parseTextVectors('a 1 x\n', { file: 'v' })).message).toBe(
      'v:1: expected a finite number in field 3, got "x"',
    );
    expect(formatError(() => parseTextVectors('3 1\na 1\nb 2\n', { file: 'v' })).message).toBe(
      'v:3: expected 3 vectors as the header says, got 2',
    );
    expect(formatError(() => parseTextVectors('', { file: 'v' })).message).toBe(
      'v:1: expected at least one vector line, got an empty file',
    );
  });
});

describe('.npy and .npz', () => {
  it('parses <f4 and <f8 in format versions 1 and 2', () => {
    expect(parseNpy(npy('<f8', [2, 3], [1, 2, 3, 4, 5, 6]))).toEqual({
      dtype: 'float64',
      shape: [2, 3],
      data: Float64Array.from([1, 2, 3, 4, 5, 6]),
    });
    const a = parseNpy(npy('<f4', [4], [0.5, 1, 2, 3], 2));
    expect(a.shape).toEqual([4]);
    expect(a.data).toEqual(Float32Array.from([0.5, 1, 2, 3]));
  });

  it('explains unsupported dtypes, Fortran order and truncated data', () => {
    expect(formatError(() => parseNpy(npy('<i8', [1], [1]), 'x.npy')).message).toBe(
      `x.npy: expected dtype '<f4' or '<f8', got "<i8"`,
    );
    expect(formatError(() => parseNpy(npy('<f8', [1], [1], 1, true))).message).toMatch(/expected C order/);
    expect(formatError(() => parseNpy(npy('<f8', [2], [1, 2]).subarray(0, 130))).message).toMatch(
      /expected 16 data bytes for shape \(2\) of <f8, got 2/,
    );
    expect(formatError(() => parseNpy(utf8('hello world'))).message).toMatch(/expected a .npy file/);
  });

  it('reads stored and deflated zip members, and checks CRC-32', () => {
    const archive = zip([
      { name: 'w.npy', data: npy('<f8', [2], [1, 2]) },
      { name: 'b.npy', data: npy('<f4', [3], [3, 4, 5]), deflate: true },
    ]);
    const arrays = parseNpz(archive, { inflateRaw });
    expect([...arrays.keys()]).toEqual(['w', 'b']);
    expect(Array.from(arrays.get('b')!.data)).toEqual([3, 4, 5]);
    expect(formatError(() => parseNpz(archive, { file: 'a.npz' })).message).toMatch(
      /expected an inflateRaw function/,
    );
    const corrupt = archive.slice();
    corrupt[100] ^= 0xff; // inside the stored member's data
    expect(formatError(() => parseNpz(corrupt, { inflateRaw, file: 'c.npz' })).message).toMatch(
      /^c\.npz: expected CRC-32 [0-9a-f]{8} for "w.npy", got [0-9a-f]{8} \(corrupt archive\)$/,
    );
    expect(
      formatError(() => readZipEntries(archive.subarray(0, archive.length - 30), 't.npz')).message,
    ).toMatch(/^t\.npz: expected a zip archive \(end-of-central-directory record\), got none/);
  });

  it('reads numpy savez_compressed output (ZIP64, deflate), sync and async alike', async () => {
    const bytes = new Uint8Array(
      readFileSync(join(__dirname, '..', 'samples', 'thucnews', 'embedding_Tencent.npz')),
    );
    const sync = parseNpz(bytes, { inflateRaw });
    const async_ = await parseNpzAsync(bytes);
    const e = sync.get('embeddings')!;
    expect(e.dtype).toBe('float64');
    expect(e.shape).toEqual([42, 16]);
    expect(async_.get('embeddings')).toEqual(e);
    // first value of the " " row in the full file (checked with numpy)
    expect(e.data[0]).toBeCloseTo(0.11990029101293453, 15);
  });
});

describe('alignEmbeddings', () => {
  const vectors = vectorsFromMatrix(['the', 'Cat'], { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
  const vocab = Vocab.fromTokens(['<pad>', 'the', 'cat', 'dog']);

  it('copies found rows, reports coverage, and fills the rest from the seeded rule', () => {
    const a = alignEmbeddings(vocab, vectors, { seed: 5, scale: 0.5, zeroTokens: ['<pad>'] });
    expect(a.found).toBe(1);
    expect(a.missing).toEqual(['cat', 'dog']);
    expect(a.coverage).toBe(0.25);
    expect(a.weight.shape).toEqual([4, 3]);
    const w = a.weight.dataSync();
    expect(Array.from(w.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(w.subarray(3, 6))).toEqual([1, 2, 3]);
    const r = rand([4, 3], { generator: new Generator(5) }).dataSync();
    for (let e = 6; e < 12; e++) expect(w[e]).toBeCloseTo((2 * r[e] - 1) * 0.5, 6);
    // the same seed gives the same rows however many were found
    const b = alignEmbeddings(vocab, vectorsFromMatrix(['x'], { shape: [1, 3], data: [0, 0, 0] }), {
      seed: 5,
      scale: 0.5,
    });
    expect(Array.from(b.data.subarray(9, 12))).toEqual(Array.from(w.subarray(9, 12)));
  });

  it('falls back to lower case on request, and can use zeros or normal rows', () => {
    expect(alignEmbeddings(vocab, vectors, { lowercaseFallback: true, init: 'zeros' }).found).toBe(1);
    const lower = vectorsFromMatrix(['cat'], { shape: [1, 3], data: [7, 8, 9] });
    expect(alignEmbeddings(Vocab.fromTokens(['Cat']), lower, { lowercaseFallback: true }).found).toBe(1);
    const n = alignEmbeddings(vocab, vectors, { init: 'normal', scale: 1, seed: 2 });
    expect(n.data.every(Number.isFinite)).toBe(true);
    expect(() => alignEmbeddings(vocab, vectors, { init: 'xavier' as 'zeros' })).toThrow(/init must be/);
  });
});
