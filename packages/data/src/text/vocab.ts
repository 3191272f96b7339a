import { ValueError } from '@rnn/tensor';
import { DataFormatError } from '../errors';

/** Padding token: id 0 whenever it is the first special. */
export const PAD = '<pad>';
/** Unknown-token placeholder. */
export const UNK = '<unk>';
/** End of sentence (the language-model readers append it to each line). */
export const EOS = '<eos>';
/** Beginning of sentence. */
export const BOS = '<bos>';

/** Options of {@link Vocab.build}. */
export interface VocabBuildOptions {
  /** Tokens seen fewer times are left out (default 1). */
  minFreq?: number;
  /** Largest vocabulary size, specials included (default: no limit). */
  maxSize?: number;
  /** Special tokens, given ids 0, 1, … in this order whatever their counts. */
  specials?: readonly string[];
  /**
   * The token unknown words map to. Default: `'<unk>'` when it is among the specials, else none
   * (then encoding an unknown token is an error).
   */
  unkToken?: string | null;
}

/** Options of {@link Vocab.fromTokens}. */
export interface VocabFromTokensOptions {
  /** Special tokens (must be in the list; they are only recorded as special). */
  specials?: readonly string[];
  /** See {@link VocabBuildOptions.unkToken}. */
  unkToken?: string | null;
}

/** The JSON form written by {@link Vocab.toJSON}. */
export interface VocabJSON {
  format: 'rnn-vocab';
  version: 1;
  /** Token of each id (index = id). */
  tokens: string[];
  specials: string[];
  unkToken: string | null;
}

/**
 * A bijection between tokens and ids. Specials come first with fixed ids; the other tokens follow
 * by decreasing frequency, ties in code-point order of the token (as torchtext), so the same
 * counts always give the same ids.
 */
export class Vocab {
  /** Token of each id. */
  readonly itos: readonly string[];
  /** Special tokens, in id order. */
  readonly specials: readonly string[];
  /** The token unknown words map to, or null. */
  readonly unkToken: string | null;
  /** Id of `unkToken`, or -1. */
  readonly unkId: number;
  private readonly index: Map<string, number>;

  private constructor(itos: string[], specials: readonly string[], unkToken: string | null, where: string) {
    const index = new Map<string, number>();
    for (let i = 0; i < itos.length; i++) {
      const t = itos[i];
      if (typeof t !== 'string') {
        throw new ValueError(`${where}: token ${i} must be a string, got ${JSON.stringify(t)}`);
      }
      if (index.has(t)) {
        throw new ValueError(
          `${where}: tokens must be unique, got ${JSON.stringify(t)} at ids ${index.get(t)} and ${i}`,
        );
      }
      index.set(t, i);
    }
    for (const s of specials) {
      if (!index.has(s)) throw new ValueError(`${where}: special ${JSON.stringify(s)} is not in the tokens`);
    }
    if (unkToken !== null && !index.has(unkToken)) {
      throw new ValueError(`${where}: unkToken ${JSON.stringify(unkToken)} is not in the tokens`);
    }
    this.itos = itos;
    this.specials = [...specials];
    this.unkToken = unkToken;
    this.unkId = unkToken === null ? -1 : index.get(unkToken)!;
    this.index = index;
  }

  /**
   * Builds a vocabulary from token streams (each an iterable of tokens: sentences, lines or a whole
   * corpus). Specials keep ids 0..k-1 even if they also occur in the text.
   */
  static build(streams: Iterable<Iterable<string>>, options: VocabBuildOptions = {}): Vocab {
    const minFreq = options.minFreq ?? 1;
    const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    const specials = options.specials ?? [];
    if (!Number.isInteger(minFreq) || minFreq < 1) {
      throw new ValueError(`Vocab.build: minFreq must be an integer >= 1, got ${minFreq}`);
    }
    if (
      !(maxSize === Number.POSITIVE_INFINITY || (Number.isInteger(maxSize) && maxSize >= specials.length))
    ) {
      throw new ValueError(
        `Vocab.build: maxSize must be an integer >= the number of specials (${specials.length}), got ${maxSize}`,
      );
    }
    const counts = new Map<string, number>();
    for (const stream of streams) {
      for (const t of stream) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const isSpecial = new Set(specials);
    if (isSpecial.size !== specials.length) {
      throw new ValueError(`Vocab.build: specials must be distinct, got ${JSON.stringify(specials)}`);
    }
    const rest: [string, number][] = [];
    for (const [t, c] of counts) if (c >= minFreq && !isSpecial.has(t)) rest.push([t, c]);
    rest.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const itos = [...specials];
    for (const [t] of rest) {
      if (itos.length >= maxSize) break;
      itos.push(t);
    }
    const unk = options.unkToken === undefined ? (isSpecial.has(UNK) ? UNK : null) : options.unkToken;
    return new Vocab(itos, specials, unk, 'Vocab.build');
  }

  /** A vocabulary with exactly these tokens, id = position (e.g. a shipped `vocab.json` array). */
  static fromTokens(tokens: readonly string[], options: VocabFromTokensOptions = {}): Vocab {
    const specials = options.specials ?? [];
    const unk =
      options.unkToken === undefined ? (tokens.includes(UNK) ? UNK : null) : (options.unkToken ?? null);
    return new Vocab([...tokens], specials, unk, 'Vocab.fromTokens');
  }

  /**
   * Reads the JSON written by {@link Vocab.toJSON} (an object or its text). A plain array of tokens
   * is accepted too. Malformed input is a {@link DataFormatError} naming `file`.
   */
  static fromJSON(json: unknown, file = '<vocab>'): Vocab {
    let value = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (e) {
        throw new DataFormatError(
          file,
          0,
          `expected vocabulary JSON, got invalid JSON (${(e as Error).message})`,
        );
      }
    }
    const fail = (what: string) => {
      throw new DataFormatError(file, 0, `expected ${what}`);
    };
    if (Array.isArray(value)) {
      if (!value.every((t) => typeof t === 'string')) fail('an array of token strings, got a non-string');
      try {
        return Vocab.fromTokens(value as string[]);
      } catch (e) {
        throw new DataFormatError(file, 0, `expected a valid vocabulary, got: ${(e as Error).message}`);
      }
    }
    if (typeof value !== 'object' || value === null) fail(`a vocabulary object, got ${typeof value}`);
    const v = value as Partial<VocabJSON>;
    if (v.format !== 'rnn-vocab') fail(`format "rnn-vocab", got ${JSON.stringify(v.format)}`);
    if (v.version !== 1) fail(`version 1, got ${JSON.stringify(v.version)}`);
    if (!Array.isArray(v.tokens) || !v.tokens.every((t) => typeof t === 'string')) {
      fail('"tokens" to be an array of strings');
    }
    if (!Array.isArray(v.specials) || !v.specials.every((t) => typeof t === 'string')) {
      fail('"specials" to be an array of strings');
    }
    if (!(v.unkToken === null || typeof v.unkToken === 'string')) fail('"unkToken" to be a string or null');
    try {
      return new Vocab([...v.tokens!], v.specials!, v.unkToken!, 'Vocab.fromJSON');
    } catch (e) {
      throw new DataFormatError(file, 0, `expected a valid vocabulary, got: ${(e as Error).message}`);
    }
  }

  /** Number of tokens. */
  get size(): number {
    return this.itos.length;
  }

  /** Whether the token has an id of its own. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Id of a token: its own, else `unkId`; throws a `ValueError` if unknown and there is no unk token. */
  id(token: string): number {
    const i = this.index.get(token);
    if (i !== undefined) return i;
    if (this.unkId >= 0) return this.unkId;
    throw new ValueError(
      `Vocab: token ${JSON.stringify(token)} is not in the vocabulary (${this.size} tokens) and it has no unkToken`,
    );
  }

  /** Id of a token, or undefined (no unk fallback). */
  lookup(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Token of an id; throws a `ValueError` outside `[0, size)`. */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.itos.length) {
      throw new ValueError(`Vocab: id must be an integer in [0, ${this.itos.length}), got ${id}`);
    }
    return this.itos[id];
  }

  /** Ids of tokens (unknown tokens map to `unkId`, or throw without one). */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.id(tokens[i]);
    return out;
  }

  /** Tokens of ids. */
  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.token(ids[i]);
    return out;
  }

  /** The JSON form (`JSON.stringify(vocab)` uses it). */
  toJSON(): VocabJSON {
    return {
      format: 'rnn-vocab',
      version: 1,
      tokens: [...this.itos],
      specials: [...this.specials],
      unkToken: this.unkToken,
    };
  }
}
