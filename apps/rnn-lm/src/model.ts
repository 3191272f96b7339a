import { Dropout, Embedding, Linear, LSTM, Module, uniform_, zeros_ } from '@rnn/nn';
import { type Tensor, ValueError, zeros } from '@rnn/tensor';

/** The hyper-parameters that shape the model (stored in checkpoints, so `eval` and `sample` can rebuild it). */
export interface LmConfig {
  /** Words in the vocabulary (the softmax's width). */
  vocabSize: number;
  /** Width of the word embeddings. */
  embedSize: number;
  /** Hidden units of each LSTM layer. */
  hiddenSize: number;
  /** Stacked LSTM layers. */
  layers: number;
  /** Dropout on the embeddings, between the LSTM layers and on the LSTM's output (0: none). */
  dropout: number;
  /** Share the embedding matrix with the output layer (needs `embedSize === hiddenSize`). */
  tied: boolean;
  /**
   * Initialise the embedding and output weights U(−r, r) and the output bias to zero, as PyTorch's
   * word_language_model example (r = 0.1); absent: `torch.nn`'s defaults (the tutorial's model).
   */
  initRange?: number;
}

/** The LSTM's carried state: `[h, c]`, each `[layers, batch, hidden]`. */
export type LmState = [Tensor, Tensor];

/**
 * A word-level LSTM language model: embedding → dropout → stacked LSTM (dropout between layers) →
 * dropout → linear to vocabulary logits. Time-major, as `batchify` arranges the corpus. The names
 * are those of PyTorch's word_language_model example (`encoder.weight`, `rnn.weight_ih_l0`, ...,
 * `decoder.weight`), so its checkpoints load in that model. Tied weights share one parameter, listed
 * under both names in the state dict as PyTorch lists it.
 */
export class RNNLM extends Module {
  encoder: Embedding;
  drop: Dropout;
  rnn: LSTM;
  decoder: Linear;

  constructor(readonly config: LmConfig) {
    super();
    const { vocabSize, embedSize, hiddenSize, layers, dropout, tied, initRange } = config;
    if (tied && embedSize !== hiddenSize) {
      throw new ValueError(
        `RNNLM: tied weights need embedSize === hiddenSize, got ${embedSize} and ${hiddenSize} (pass --tied no)`,
      );
    }
    this.encoder = new Embedding(vocabSize, embedSize);
    this.drop = new Dropout(dropout);
    this.rnn = new LSTM(embedSize, hiddenSize, { numLayers: layers, dropout: layers > 1 ? dropout : 0 });
    this.decoder = new Linear(hiddenSize, vocabSize);
    if (initRange !== undefined) {
      uniform_(this.encoder.weight, { a: -initRange, b: initRange });
      uniform_(this.decoder.weight, { a: -initRange, b: initRange });
      zeros_(this.decoder.bias!);
    }
    if (tied) {
      this.decoder.weight.dispose();
      this.decoder.weight = this.encoder.weight;
    }
  }

  /** A zero state for `batch` parallel streams. */
  initState(batch: number): LmState {
    const shape = [this.config.layers, batch, this.config.hiddenSize];
    return [zeros(shape), zeros(shape)];
  }

  /**
   * Logits `[T·B, vocab]` for word ids `[T, B]` (row `t·B + b` is step `t` of stream `b`, the order
   * of `target.reshape([-1])`), and the state after the last step.
   */
  forward(input: Tensor, state?: LmState): [Tensor, LmState] {
    const emb = this.drop.forward(this.encoder.forward(input));
    const [out, next] = this.rnn.forward(emb, state);
    const h = this.drop.forward(out);
    const logits = this.decoder.forward(h.reshape([-1, this.config.hiddenSize]));
    return [logits, next];
  }
}

/** The state, cut from the graph of the steps that made it (PyTorch's `repackage_hidden`). */
export function detachState(state: LmState): LmState {
  return [state[0].detach(), state[1].detach()];
}
