import {
  crossEntropy,
  Dropout,
  Embedding,
  Linear,
  LSTM,
  Module,
  packPaddedSequence,
  padPackedSequence,
} from '@rnn/nn';
import { cat, rand, type Tensor, where } from '@rnn/tensor';
import { type Batch, IGNORE_INDEX } from './batches';

/** The hyper-parameters that shape the model (kept in checkpoints, so `eval` and `predict` rebuild it). */
export interface TaggerConfig {
  /** Word vocabulary size (`<pad>` = 0, `<unk>` = 1). */
  words: number;
  /** Character vocabulary size (`<pad>` = 0, `<unk>` = 1). */
  chars: number;
  /** Number of tags. */
  tags: number;
  /** Word embedding size. */
  wordDim: number;
  /** Character embedding size. */
  charDim: number;
  /** Hidden size of each direction of the character BiLSTM (0: no character features). */
  charHidden: number;
  /** Hidden size of each direction of the sentence BiLSTM. */
  hidden: number;
  /** Layers of the sentence BiLSTM. */
  layers: number;
  /** Dropout on the BiLSTM's input, between its layers and on its output. */
  dropout: number;
  /** Probability that a training word is replaced by `<unk>` (so the model learns to tag unknown words). */
  wordDropout: number;
}

const UNK_ID = 1;

/**
 * One vector per word from its characters: character embeddings → BiLSTM over the packed
 * characters of each word → the final forward state ‖ the final backward state. Unknown words still
 * get a useful vector (suffixes, capitals, digits, hyphens).
 */
export class CharEncoder extends Module {
  embed: Embedding;
  lstm: LSTM;

  constructor(chars: number, dim: number, hidden: number) {
    super();
    this.embed = new Embedding(chars, dim, { paddingIdx: 0 });
    this.lstm = new LSTM(dim, hidden, { bidirectional: true });
  }

  /** Characters int32 `[L, U]` and each word's length → `[U, 2·hidden]`. */
  forward(chars: Tensor, lengths: readonly number[], packed = true): Tensor {
    const x = this.embed.forward(chars);
    const [, [h]] = packed ? this.lstm.forward(packPaddedSequence(x, lengths)) : this.lstm.forward(x);
    // h: [2, U, hidden], forward then backward direction, each at the word's true last step.
    return cat([h.select(0, 0), h.select(0, 1)], 1);
  }
}

/**
 * The tagger: word embedding ‖ character features → dropout → BiLSTM over the packed batch → dropout
 * → Linear to tag scores. The forward pass follows the tutorial: pad, `packPaddedSequence` (lengths
 * in any order), LSTM, `padPackedSequence`, then scores for every padded position, whose targets
 * are {@link IGNORE_INDEX} so the loss leaves them out.
 */
export class Tagger extends Module {
  wordEmbed: Embedding;
  charEncoder: CharEncoder | null;
  lstm: LSTM;
  drop: Dropout;
  out: Linear;

  constructor(readonly config: TaggerConfig) {
    super();
    const c = config;
    this.wordEmbed = new Embedding(c.words, c.wordDim, { paddingIdx: 0 });
    this.charEncoder = c.charHidden > 0 ? new CharEncoder(c.chars, c.charDim, c.charHidden) : null;
    const input = c.wordDim + (c.charHidden > 0 ? 2 * c.charHidden : 0);
    this.lstm = new LSTM(input, c.hidden, { numLayers: c.layers, bidirectional: true, dropout: c.dropout });
    this.drop = new Dropout(c.dropout);
    this.out = new Linear(2 * c.hidden, c.tags);
  }

  /**
   * Tag scores `[T, B, tags]` for a batch (padding positions included; their targets are ignored).
   * `packed: false` runs the LSTMs over the padded tensors instead, computing on the padding (the
   * slower way the tutorial replaces; the backward direction then also reads padding first): only
   * for the packed-vs-padded benchmark.
   */
  forward(b: Batch, options: { packed?: boolean } = {}): Tensor {
    const packed = options.packed ?? true;
    let words = b.words;
    if (this.training && this.config.wordDropout > 0) {
      words = where(rand(words.shape).lt(this.config.wordDropout), UNK_ID, words);
    }
    let x = this.wordEmbed.forward(words); // [T, B, wordDim]
    if (this.charEncoder) {
      const perForm = this.charEncoder.forward(b.chars, b.charLengths, packed); // [U, 2·charHidden]
      const [steps, batch] = b.words.shape;
      const perToken = perForm.indexSelect(0, b.wordIndex).reshape([steps, batch, -1]);
      x = cat([x, perToken], 2);
    }
    x = this.drop.forward(x);
    let h: Tensor;
    if (packed) {
      const [out] = this.lstm.forward(packPaddedSequence(x, b.lengths));
      [h] = padPackedSequence(out); // [T, B, 2·hidden], original batch order
    } else {
      [h] = this.lstm.forward(x);
    }
    return this.out.forward(this.drop.forward(h));
  }

  /**
   * Cross-entropy over the real tokens: scores and targets flattened, the padding masked out by
   * {@link IGNORE_INDEX}. `'mean'` (default) averages over the batch's tokens; `'sum'` adds them.
   */
  loss(b: Batch, options: { reduction?: 'mean' | 'sum'; packed?: boolean } = {}): Tensor {
    const scores = this.forward(b, { packed: options.packed });
    return crossEntropy(scores.reshape([-1, this.config.tags]), b.tags, {
      ignoreIndex: IGNORE_INDEX,
      reduction: options.reduction ?? 'mean',
    });
  }
}
