import { type ConlluSentence, PAD, UNK, UPOS_TAGS, Vocab, type VocabJSON } from '@rnn/data';
import { datasetFiles, readConlluFile, samplesDir } from '@rnn/data/node';

/** Which tag column the tagger learns: column 4 (17 universal tags) or column 5 (Penn Treebank tags). */
export type Tagset = 'upos' | 'xpos';

/** A sentence as the tagger sees it: word forms and their gold tags (of the chosen tag set). */
export interface TaggedSentence {
  words: string[];
  tags: string[];
}

/** The three splits of UD English EWT (gold tokenization). */
export interface Splits {
  train: TaggedSentence[];
  dev: TaggedSentence[];
  test: TaggedSentence[];
  /** Where they were read from. */
  files: { train: string; dev: string; test: string };
}

/** The sentences of a CoNLL-U file with the tags of `tagset`. */
export function taggedSentences(sentences: readonly ConlluSentence[], tagset: Tagset): TaggedSentence[] {
  return sentences.map((s) => ({ words: s.forms, tags: tagset === 'upos' ? s.upos : s.xpos }));
}

/**
 * Reads train, dev and test of UD English EWT from a data folder laid out as `../shared/data`
 * (`ud-english-ewt/en_ewt-ud-{train,dev,test}.conllu`), or from the samples shipped with
 * `@rnn/data` when `dataDir` is undefined (the quick run). Multiword-token lines and empty nodes are
 * left out by the reader: the tagger tags syntactic words, as the UD scores count them.
 */
export async function readSplits(dataDir: string | undefined, tagset: Tagset): Promise<Splits> {
  const files = datasetFiles(dataDir ?? samplesDir()).udEwt;
  const read = async (path: string) => taggedSentences((await readConlluFile(path)).sentences, tagset);
  return { train: await read(files.train), dev: await read(files.dev), test: await read(files.test), files };
}

/**
 * The vocabularies a model is built with and its checkpoint stores: words (lowercased: the
 * characters keep the case), characters, and tags.
 */
export interface Vocabularies {
  words: Vocab;
  chars: Vocab;
  tags: readonly string[];
}

/** What a word looks up in the word vocabulary: the lowercased form. */
export function wordKey(form: string): string {
  return form.toLowerCase();
}

/**
 * Builds the vocabularies from the training sentences: every lowercased training word (`<pad>` = 0,
 * `<unk>` = 1), every training character (the same specials), and the tag list: the 17 UPOS tags,
 * or for XPOS every tag seen in any split (a tag only dev or test has is a class the model never
 * predicts, so it counts as an error, as it should).
 */
export function buildVocabularies(
  train: readonly TaggedSentence[],
  tagset: Tagset,
  others: readonly TaggedSentence[] = [],
  options: { minWordFreq?: number } = {},
): Vocabularies {
  const specials = [PAD, UNK];
  const words = Vocab.build(
    train.map((s) => s.words.map(wordKey)),
    { specials, minFreq: options.minWordFreq ?? 1 },
  );
  const chars = Vocab.build(
    train.map((s) => s.words.flatMap((w) => [...w])),
    { specials },
  );
  const tags =
    tagset === 'upos' ? [...UPOS_TAGS] : [...new Set([...train, ...others].flatMap((s) => s.tags))].sort();
  return { words, chars, tags };
}

/** Plain JSON of {@link Vocabularies}, kept in checkpoints so `eval` and `predict` rebuild them. */
export interface VocabulariesJSON {
  words: VocabJSON;
  chars: VocabJSON;
  tags: string[];
}

/** {@link Vocabularies} as plain JSON (for a checkpoint's meta). */
export function vocabulariesToJSON(v: Vocabularies): VocabulariesJSON {
  return { words: v.words.toJSON(), chars: v.chars.toJSON(), tags: [...v.tags] };
}

/** The inverse of {@link vocabulariesToJSON}. */
export function vocabulariesFromJSON(json: VocabulariesJSON, file = '<checkpoint>'): Vocabularies {
  return {
    words: Vocab.fromJSON(json.words, file),
    chars: Vocab.fromJSON(json.chars, file),
    tags: json.tags,
  };
}
