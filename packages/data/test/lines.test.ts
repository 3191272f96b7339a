import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder, linesOf, linesOfString } from '../src';
import { utf8 } from './helpers';

const texts = (lines: ReturnType<typeof linesOfString>) => [...lines].map((l) => l.text);

describe('lines', () => {
  it('numbers lines from 1, drops a final newline, CR and a BOM', () => {
    expect([...linesOfString('\ufeffa\r\nb\n\nc\n')]).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '' },
      { line: 4, text: 'c' },
    ]);
    expect([...linesOfString('')]).toEqual([]);
    expect(texts(linesOfString('x'))).toEqual(['x']);
  });

  it('decodes bytes split into any chunks exactly as the string', () => {
    const unit = fc.oneof(
      fc.constantFrom('a', 'é', '中', '😀', ' ', '\t', '\r'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    );
    const line = fc.string({ unit, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(40)), (ls, final, cuts) => {
        const text = ls.join('\n') + (final ? '\n' : '');
        const bytes = utf8(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const decoder = new LineDecoder();
        const got = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          got.push(...decoder.push(bytes.subarray(prev, p)));
          prev = p;
        }
        got.push(...decoder.end());
        expect(got).toEqual([...linesOfString(text)]);
      }),
    );
  });

  it('reports only the lines with invalid UTF-8, with the offending bytes', () => {
    const bytes = new Uint8Array([...utf8('ok\n'), 0x61, 0xff, 0x62, 0x0a, ...utf8('中\n'), 0xe4, 0xb8]);
    const lines = [...linesOf(bytes)];
    expect(lines.map((l) => l.text)).toEqual(['ok', null, '中', null]);
    expect(lines[1]).toMatchObject({
      line: 2,
      error: 'expected valid UTF-8, got invalid bytes 0xff 0x62 at byte 1 of the line',
    });
    expect(lines[3].error).toContain('0xe4 0xb8 at byte 0');
  });
});
