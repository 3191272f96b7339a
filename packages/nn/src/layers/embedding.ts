import {
  arange,
  DTypeError,
  isGradEnabled,
  noGrad,
  ShapeError,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  where,
} from '@rnn/tensor';
import {
  checkSize,
  type FactoryOptions,
  isInitSkipped,
  Module,
  normalParameter,
  Parameter,
  skipInit,
} from '../module';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions extends FactoryOptions {
  /**
   * Index of the padding token (negative counts from the end): its row starts at zero and never
   * receives a gradient, as in PyTorch.
   */
  paddingIdx?: number | null;
  /**
   * When set, each row looked up in `forward` whose `normType`-norm exceeds `maxNorm` is rescaled
   * in place to norm `maxNorm` first (PyTorch's `max_norm`).
   */
  maxNorm?: number | null;
  /** The p of the p-norm used with `maxNorm` (default 2). */
  normType?: number;
}

/** Options of {@link Embedding.fromPretrained}. */
export interface FromPretrainedOptions {
  /** Whether the weights stay fixed (`requiresGrad` off); default `true`, as in PyTorch. */
  freeze?: boolean;
  /** See {@link EmbeddingOptions.paddingIdx} (the given row is kept as it is). */
  paddingIdx?: number | null;
  /** See {@link EmbeddingOptions.maxNorm}. */
  maxNorm?: number | null;
  /** See {@link EmbeddingOptions.normType}. */
  normType?: number;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, as `torch.nn.Embedding`: int32
 * indices of any shape `[...]` give `[..., embeddingDim]`. `weight` starts as N(0, 1) from the seeded
 * default generator, with the `paddingIdx` row zeroed.
 */
export class Embedding extends Module {
  /** `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;
  /** The padding row (non-negative), or `null`. */
  readonly paddingIdx: number | null;
  /** See {@link EmbeddingOptions.maxNorm}. */
  readonly maxNorm: number | null;
  /** See {@link EmbeddingOptions.normType}. */
  readonly normType: number;

  constructor(
    /** The number of rows: ids run from 0 to `numEmbeddings − 1`. */
    readonly numEmbeddings: number,
    /** The size of each embedding vector. */
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim, true);
    this.paddingIdx = resolvePaddingIdx(options.paddingIdx, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    if (this.maxNorm !== null && !(this.maxNorm > 0)) {
      throw new ValueError(`Embedding: maxNorm must be positive, got ${this.maxNorm}`);
    }
    if (!(this.normType > 0))
      throw new ValueError(`Embedding: normType must be positive, got ${this.normType}`);
    this.weight = normalParameter([numEmbeddings, embeddingDim], options);
    if (this.paddingIdx !== null && !isInitSkipped()) this.zeroPaddingRow();
  }

  /**
   * An embedding whose weights are `embeddings` `[numEmbeddings, embeddingDim]` (storage shared, not
   * copied), frozen unless `freeze: false`.
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new ShapeError(
        `Embedding.fromPretrained: embeddings must be 2-D [numEmbeddings, embeddingDim], got [${embeddings.shape.join(', ')}]`,
      );
    }
    const [n, d] = embeddings.shape;
    const e = skipInit(
      () =>
        new Embedding(n, d, {
          paddingIdx: options.paddingIdx,
          maxNorm: options.maxNorm,
          normType: options.normType,
          dtype: embeddings.dtype,
          backend: embeddings.backend,
        }),
    );
    e.weight.dispose();
    e.weight = new Parameter(embeddings, !(options.freeze ?? true));
    return e;
  }

  /** Looks up `indices` (int32, any shape). */
  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') {
      throw new DTypeError(`Embedding: indices must be an int32 tensor, got ${indices.dtype}`);
    }
    const flat = indices.reshape([indices.size]);
    if (this.maxNorm !== null) this.renorm(flat, this.maxNorm);
    const w = this.weight;
    let out: Tensor;
    if (this.paddingIdx !== null && w.requiresGrad && isGradEnabled()) {
      // The padding row gets no gradient: its lookups read a detached copy of the table.
      const pad = flat.eq(this.paddingIdx).reshape([flat.size, 1]);
      out = where(pad, w.detach().indexSelect(0, flat), w.indexSelect(0, flat));
    } else {
      out = w.indexSelect(0, flat);
    }
    return out.reshape([...indices.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}`;
  }

  private zeroPaddingRow(): void {
    const pad = this.paddingIdx!;
    noGrad(() =>
      tidy(() => {
        const rows = arange(this.numEmbeddings, undefined, 1, { backend: this.weight.backend });
        this.weight.assign(this.weight.maskedFill(rows.eq(pad).reshape([this.numEmbeddings, 1]), 0));
      }),
    );
  }

  /** Rescales, in place, the looked-up rows whose norm exceeds `maxNorm` (PyTorch's `embedding_renorm_`). */
  private renorm(flat: Tensor, maxNorm: number): void {
    noGrad(() =>
      tidy(() => {
        const n = this.numEmbeddings;
        let used: Tensor;
        const read = flat.backend.readSync;
        if (read) {
          const mask = new Uint8Array(n);
          for (const i of read.call(flat.backend, flat.storage, 'int32', flat.size))
            if (i >= 0 && i < n) mask[i] = 1;
          used = tensor(mask, { dtype: 'bool', backend: flat.backend, shape: [n] });
        } else {
          const rows = arange(n, undefined, 1, { backend: flat.backend });
          used = flat
            .reshape([flat.size, 1])
            .eq(rows.reshape([1, n]))
            .int()
            .max(0)
            .bool();
        }
        const p = this.normType;
        const w = this.weight;
        const norms = w
          .abs()
          .pow(p)
          .sum(1)
          .pow(1 / p);
        const scale = where(used.logicalAnd(norms.gt(maxNorm)), norms.add(1e-7).pow(-1).mul(maxNorm), 1);
        w.assign(w.mul(scale.asType(w.dtype).reshape([n, 1])));
      }),
    );
  }
}

function resolvePaddingIdx(paddingIdx: number | null | undefined, n: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new ValueError(`Embedding: paddingIdx must be an integer in [${-n}, ${n}), got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}
