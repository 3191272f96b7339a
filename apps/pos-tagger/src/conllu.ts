import { ValueError } from '@rnn/tensor';
import type { Tagset } from './data';

const WORD_ID = /^[1-9]\d*$/;

/**
 * Writes predicted tags into a CoNLL-U text: the UPOS column (4th) for a UPOS model, the XPOS column
 * (5th) for an XPOS one, on every syntactic word line (integer ID), sentence by sentence, in file
 * order (the order `@rnn/data`'s reader gives). Every other line and column is kept as it was.
 */
export function fillTags(text: string, tags: readonly (readonly string[])[], tagset: Tagset): string {
  const column = tagset === 'upos' ? 3 : 4;
  let sentence = 0;
  let word = 0;
  let inSentence = false;
  const lines = text.split('\n');
  const out = lines.map((line) => {
    if (line.trim() === '') {
      if (inSentence) sentence++;
      inSentence = false;
      word = 0;
      return line;
    }
    inSentence = true;
    if (line.startsWith('#')) return line;
    const cols = line.split('\t');
    if (!WORD_ID.test(cols[0])) return line; // multiword token or empty node: left as is
    const tag = tags[sentence]?.[word++];
    if (tag === undefined) {
      throw new ValueError(`fillTags: no predicted tag for word ${word} of sentence ${sentence + 1}`);
    }
    cols[column] = tag;
    return cols.join('\t');
  });
  return out.join('\n');
}
