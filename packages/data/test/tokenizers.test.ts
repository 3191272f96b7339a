import { describe, expect, it } from 'vitest';
import { charTokenizer, regexTokenizer, whitespaceTokenizer } from '../src';

describe('tokenizers', () => {
  it('whitespace splits on runs of whitespace and can lower-case', () => {
    expect(whitespaceTokenizer()('  The cat\tsat \n')).toEqual(['The', 'cat', 'sat']);
    expect(whitespaceTokenizer({ lowercase: true })('The CAT')).toEqual(['the', 'cat']);
  });

  it('regex matches tokens or splits on separators', () => {
    expect(regexTokenizer(/\w+|[^\w\s]/u)("Don't stop!")).toEqual(['Don', "'", 't', 'stop', '!']);
    expect(regexTokenizer(/[,;]/, { mode: 'split', lowercase: true })('A,b;;C')).toEqual(['a', 'b', 'c']);
    expect(() => regexTokenizer(/x*/)).toThrow(/empty string/);
  });

  it('char splits by code point and keeps spaces unless asked', () => {
    expect(charTokenizer()('中 国😀')).toEqual(['中', ' ', '国', '😀']);
    expect(charTokenizer({ skipWhitespace: true, lowercase: true })('A b')).toEqual(['a', 'b']);
  });
});
