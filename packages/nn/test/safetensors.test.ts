import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, randn, type Tensor, tensor, tidy, ValueError, zeros } from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  DataFormatError,
  loadSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  saveSafetensorsAsync,
} from '../src/index';
import { loadSafetensorsFile, saveSafetensorsFile } from '../src/node/index';
import { expectClose, fixture, fixturesDir } from './training-fixtures';

const ascii = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const header = (bytes: Uint8Array) =>
  ascii(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))));

/** A safetensors buffer from a header object and data bytes (for malformed-file tests). */
function build(h: unknown, data: number[] = [], rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors: the reference implementation's bytes", () => {
  it('an empty file, with and without metadata', () => {
    expect(Array.from(saveSafetensors({}))).toEqual([
      8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
    ]);
    const withMeta = saveSafetensors({}, { framework: 'pt' });
    expect(withMeta.length).toBe(48);
    expect(withMeta[0]).toBe(40);
    expect(header(withMeta)).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('one tensor: compact JSON, spaces up to a multiple of 8, little-endian data', () => {
    tidy(() => {
      const bytes = saveSafetensors({ attn0: arange(0, 6, 1, { dtype: 'float32' }).reshape([1, 1, 2, 3]) });
      expect(header(bytes)).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
      expect(Array.from(bytes.subarray(bytes.length - 24, bytes.length - 16))).toEqual([
        0, 0, 0, 0, 0, 0, 128, 63,
      ]);
    });
  });

  it('orders tensors by descending dtype alignment, then by name (by code point)', () => {
    tidy(() => {
      const bytes = saveSafetensors({
        b: zeros([1], { dtype: 'bool' }),
        z: zeros([1], { dtype: 'float32' }),
        é: zeros([1], { dtype: 'float32' }),
        a: zeros([1], { dtype: 'float32' }),
        i: zeros([1], { dtype: 'int32' }),
        d: zeros([1], { dtype: 'float64' }),
        '10': zeros([1]),
        '9': zeros([1]),
      });
      expect(readSafetensorsHeader(bytes).tensors.map((t) => t.name)).toEqual([
        'd',
        '10',
        '9',
        'a',
        'z',
        'é',
        'i',
        'b',
      ]);
      expect(header(bytes).startsWith('{"d":')).toBe(true);
    });
  });
});

describe('safetensors: PyTorch interoperability', () => {
  it('reads a file written on the PyTorch side, every dtype it can', () => {
    const bytes = new Uint8Array(readFileSync(join(fixturesDir, 'pytorch.safetensors')));
    const expected = fixture.safetensors['pytorch.safetensors'];
    const as: Record<string, string> = {
      F32: 'float32',
      F64: 'float64',
      I32: 'int32',
      BOOL: 'bool',
      F16: 'float32',
      BF16: 'float32',
      I64: 'int32',
      U8: 'int32',
    };
    expect(readSafetensorsHeader(bytes).metadata).toEqual(expected.metadata);
    tidy(() => {
      const tensors = loadSafetensors(bytes);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [name, e] of Object.entries(
        expected.tensors as Record<string, { dtype: string; shape: number[]; data: number[] }>,
      )) {
        const t = tensors[name];
        expect(t.dtype, name).toBe(as[e.dtype]);
        expect(t.shape, name).toEqual(e.shape);
        expectClose(t.dataSync(), e.data, name, 0, 0);
      }
    });
  });

  it('re-saves a PyTorch-written file byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(join(fixturesDir, 'pytorch_native.safetensors')));
    tidy(() => {
      const tensors = loadSafetensors(bytes);
      const again = saveSafetensors(tensors, readSafetensorsHeader(bytes).metadata);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    });
  });

  it('writes rnn_written.safetensors, which generate_training.py checks with the Python reader', () => {
    // Keep in sync with rnn_written_expected() in fixtures/generate_training.py.
    const bytes = tidy(() =>
      saveSafetensors(
        {
          weight: tensor(
            Float32Array.from({ length: 12 }, (_, i) => i * 0.25 - 1),
            { shape: [3, 4] },
          ),
          bias: tensor([0.1, -2.5, 3e-10, 1e20], { dtype: 'float64' }),
          steps: tensor(
            Int32Array.from({ length: 6 }, (_, i) => i * 7 - 9),
            { shape: [2, 3] },
          ),
          mask: tensor([true, false, true, true, false]),
          scalar: tensor(3.5),
          empty: zeros([0, 3]),
          'rnn.weight_hh_l0_reverse': tensor([[1.5, -0.5]]),
        },
        { format: 'pt', note: 'written by @rnn ✓' },
      ),
    );
    const path = join(fixturesDir, 'rnn_written.safetensors');
    if (process.env.UPDATE_FIXTURES) writeFileSync(path, bytes);
    expect(existsSync(path), 'run with UPDATE_FIXTURES=1 to write it').toBe(true);
    expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
  });
});

describe('safetensors: round trips', () => {
  it('keeps dtypes, shapes (0-d and empty too), values and metadata', async () => {
    const tensors: Record<string, Tensor> = {
      f32: randn([3, 2]),
      f64: randn([2, 2, 2], { dtype: 'float64' }),
      i32: tensor([-2147483648, 0, 2147483647], { dtype: 'int32' }),
      bool: tensor([[true, false]]),
      scalar: tensor(7, { dtype: 'float64' }),
      empty: zeros([2, 0]),
      __proto__: tensor([1]),
      'unicode ✓ name': tensor([2]),
    };
    const bytes = saveSafetensors(tensors, { b: '2', a: 'x"y\n' });
    expect(
      Buffer.from(await saveSafetensorsAsync(tensors, { a: 'x"y\n', b: '2' })).equals(Buffer.from(bytes)),
    ).toBe(true);
    const back = loadSafetensors(bytes);
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].dtype).toBe(t.dtype);
      expect(back[name].shape).toEqual(t.shape);
      expect(Array.from(back[name].dataSync())).toEqual(Array.from(t.dataSync()));
    }
    expect(readSafetensorsHeader(bytes).metadata).toEqual({ a: 'x"y\n', b: '2' });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('reads from a Node Buffer that is a view into a shared pool (odd offset, not its own memory)', () => {
    const t = tensor([1.5, -2.25, 3], { dtype: 'float64' });
    const bytes = saveSafetensors({ t });
    // A Buffer at an odd offset inside a larger ArrayBuffer, as readFileSync returns for small files.
    const pool = Buffer.alloc(bytes.length + 7, 0xab);
    pool.set(bytes, 3);
    const back = loadSafetensors(pool.subarray(3, 3 + bytes.length));
    expect(Array.from(back.t.dataSync())).toEqual([1.5, -2.25, 3]);
  });

  it('file helpers write atomically and read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-st-'));
    try {
      const path = join(dir, 'model.safetensors');
      await saveSafetensorsFile(path, { w: tensor([1, 2, 3]) }, { format: 'pt' });
      await saveSafetensorsFile(path, { w: tensor([4, 5, 6]) });
      expect(readdirSync(dir)).toEqual(['model.safetensors']);
      const back = await loadSafetensorsFile(path);
      expect(Array.from(back.w.dataSync())).toEqual([4, 5, 6]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('safetensors: malformed input gives DataFormatError saying what is wrong', () => {
  const info = (dtype: string, shape: number[], offsets: number[]) => ({
    dtype,
    shape,
    data_offsets: offsets,
  });
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /fewer than the 8/],
    [
      'header past the end',
      (() => {
        const b = build({});
        b[0] = 200;
        return b;
      })(),
      /runs past the end/,
    ],
    [
      'huge header length',
      (() => {
        const b = build({});
        b[7] = 1;
        return b;
      })(),
      /exceeds the limit/,
    ],
    ['not JSON', build(null, [], '{"a": '), /not valid JSON/],
    ['not an object', build(null, [], '[1, 2]'), /must start with "\{"/],
    [
      'invalid UTF-8',
      (() => {
        const b = build(null, [], '{"\u00e9":1}');
        b[11] = 0xff;
        return b;
      })(),
      /not valid UTF-8/,
    ],
    [
      'unknown dtype',
      build({ t: info('F128', [1], [0, 16]) }, new Array(16).fill(0)),
      /unknown dtype "F128"/,
    ],
    ['bad shape', build({ t: info('F32', [-1], [0, 4]) }, [0, 0, 0, 0]), /invalid shape/],
    ['bad offsets', build({ t: info('F32', [1], [4, 0]) }, [0, 0, 0, 0]), /invalid data_offsets/],
    [
      'size mismatch',
      build({ t: info('F32', [2], [0, 4]) }, [0, 0, 0, 0]),
      /needs 8 bytes, its data_offsets \[0, 4\] give 4/,
    ],
    [
      'gap',
      build({ t: info('F32', [1], [4, 8]) }, new Array(8).fill(0)),
      /starts at data offset 4, expected 0/,
    ],
    [
      'overlap',
      build({ a: info('F32', [1], [0, 4]), b: info('F32', [1], [0, 4]) }, [0, 0, 0, 0]),
      /starts at data offset 0, expected 4/,
    ],
    [
      'trailing bytes',
      build({ t: info('F32', [1], [0, 4]) }, [0, 0, 0, 0, 9]),
      /truncated or trailing bytes/,
    ],
    ['truncated data', build({ t: info('F32', [2], [0, 8]) }, [0, 0, 0, 0]), /truncated or trailing bytes/],
    ['metadata not strings', build({ __metadata__: { n: 1 } }), /must be a string/],
    [
      'int64 beyond int32',
      build({ t: info('I64', [1], [0, 8]) }, [0, 0, 0, 0, 1, 0, 0, 0]),
      /does not fit int32/,
    ],
    ['8-bit floats', build({ t: info('F8_E4M3', [1], [0, 1]) }, [0]), /cannot load/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      expect(() => loadSafetensors(bytes)).toThrow(DataFormatError);
      expect(() => loadSafetensors(bytes)).toThrow(message);
    });
  }

  it('refuses to write what the format cannot hold', () => {
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(ValueError);
    expect(() => saveSafetensors({}, { n: 1 as unknown as string })).toThrow(ValueError);
  });
});
