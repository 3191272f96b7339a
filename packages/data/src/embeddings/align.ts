import { Generator, philox4x32, type Tensor, tensor, ValueError } from '@rnn/tensor';
import type { Vocab } from '../text/vocab';
import type { WordVectors } from './text-vectors';

/** Options of {@link alignEmbeddings}. */
export interface AlignOptions {
  /**
   * How rows of tokens without a pretrained vector start: `'uniform'` (default) draws from
   * `U(-scale, scale)`, `'normal'` from `N(0, scale²)`, `'zeros'` leaves zeros.
   */
  init?: 'uniform' | 'normal' | 'zeros';
  /** Scale of the random rows (default 0.1). */
  scale?: number;
  /** Seed (or generator) of the random rows (default 0). */
  seed?: number | Generator;
  /** Also look up the lower-cased token when the token itself has no vector (default false). */
  lowercaseFallback?: boolean;
  /** Tokens whose rows are zero whatever `init` says (e.g. `['<pad>']`). */
  zeroTokens?: readonly string[];
}

/** Pretrained vectors arranged in vocabulary order. */
export interface AlignedEmbeddings {
  /** float32 `[vocab.size, dim]`; give it to `Embedding.fromPretrained`. */
  weight: Tensor;
  /** The same rows on the host. */
  data: Float32Array;
  dim: number;
  /** Vocabulary tokens that had a pretrained vector. */
  found: number;
  /** Vocabulary size. */
  total: number;
  /** found / total. */
  coverage: number;
  /** Tokens without a vector (initialised by `init`), in id order. */
  missing: string[];
}

/**
 * Arranges pretrained vectors to a vocabulary: row `i` is the vector of `vocab.token(i)` when it has
 * one. Other rows follow a seeded rule: element `(i, j)` of a missing row is element `i·dim + j` of
 * `rand([V, dim], { generator: new Generator(seed) })` mapped to `[-scale, scale)` (or, for
 * `'normal'`, of Box–Muller on consecutive pairs), so the result depends only on the seed, not on
 * which other rows were found. The report says how many tokens were found.
 */
export function alignEmbeddings(
  vocab: Vocab,
  vectors: WordVectors,
  options: AlignOptions = {},
): AlignedEmbeddings {
  const { dim } = vectors;
  if (!Number.isInteger(dim) || dim < 1 || vectors.vectors.length !== vectors.tokens.length * dim) {
    throw new ValueError(
      `alignEmbeddings: expected ${vectors.tokens.length} × dim (${dim}) values, got ${vectors.vectors.length}`,
    );
  }
  const init = options.init ?? 'uniform';
  if (init !== 'uniform' && init !== 'normal' && init !== 'zeros') {
    throw new ValueError(
      `alignEmbeddings: init must be 'uniform', 'normal' or 'zeros', got ${JSON.stringify(init)}`,
    );
  }
  const scale = options.scale ?? 0.1;
  if (!(scale >= 0) || !Number.isFinite(scale)) {
    throw new ValueError(`alignEmbeddings: scale must be a finite number >= 0, got ${scale}`);
  }
  const index = new Map<string, number>();
  vectors.tokens.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  const zero = new Set(options.zeroTokens ?? []);
  const V = vocab.size;
  const out = new Float32Array(V * dim);
  const missing: string[] = [];
  let found = 0;
  const gen =
    options.seed === undefined
      ? new Generator(0)
      : typeof options.seed === 'number'
        ? new Generator(options.seed)
        : options.seed;
  // Reserve the blocks of a [V, dim] random tensor once, so values depend on (seed, i, j) only.
  const counter = init === 'zeros' ? 0 : gen.reserve(V * dim);
  const [k0, k1] = gen.key;
  const block = new Uint32Array(4);
  const uniformAt = (e: number): number => {
    philox4x32(counter + Math.floor(e / 4), k0, k1, block);
    return (block[e % 4] >>> 8) * 2 ** -24;
  };
  for (let i = 0; i < V; i++) {
    const token = vocab.itos[i];
    if (zero.has(token)) continue;
    let row = index.get(token);
    if (row === undefined && options.lowercaseFallback) row = index.get(token.toLowerCase());
    if (row !== undefined) {
      out.set(vectors.vectors.subarray(row * dim, (row + 1) * dim), i * dim);
      found++;
      continue;
    }
    missing.push(token);
    if (init === 'zeros') continue;
    for (let j = 0; j < dim; j++) {
      const e = i * dim + j;
      if (init === 'uniform') out[e] = (2 * uniformAt(e) - 1) * scale;
      else {
        // Box–Muller on the pair (e even, e odd) of uniforms.
        const p = e - (e % 2);
        const u1 = Math.max(uniformAt(p), 2 ** -24);
        const u2 = uniformAt(p + 1);
        const r = Math.sqrt(-2 * Math.log(u1));
        out[e] = scale * r * (e % 2 === 0 ? Math.cos(2 * Math.PI * u2) : Math.sin(2 * Math.PI * u2));
      }
    }
  }
  return {
    weight: tensor(out.slice(), { dtype: 'float32', shape: [V, dim] }),
    data: out,
    dim,
    found,
    total: V,
    coverage: V === 0 ? 0 : found / V,
    missing,
  };
}

/**
 * Word vectors from a 2-D array (e.g. the `embeddings` member of THUCNews' `.npz`) and the tokens of
 * its rows (e.g. its `vocab.json`).
 */
export function vectorsFromMatrix(
  tokens: readonly string[],
  matrix: { shape: readonly number[]; data: ArrayLike<number> },
): WordVectors {
  if (matrix.shape.length !== 2 || matrix.shape[0] !== tokens.length) {
    throw new ValueError(
      `vectorsFromMatrix: expected a [${tokens.length}, dim] matrix for ${tokens.length} tokens, got [${matrix.shape.join(', ')}]`,
    );
  }
  return { tokens: [...tokens], vectors: Float32Array.from(matrix.data), dim: matrix.shape[1] };
}
