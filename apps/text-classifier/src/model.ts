import {
  constant_,
  Embedding,
  LayerNorm,
  Linear,
  LSTM,
  Module,
  packPaddedSequence,
  xavierNormal_,
} from '@rnn/nn';
import { cat, noGrad, type Tensor } from '@rnn/tensor';

/** The hyper-parameters that shape the model (stored in checkpoints, so `eval` and `predict` can rebuild it). */
export interface TextRnnConfig {
  /** Rows of the embedding table (the vocabulary's size). */
  vocabSize: number;
  /** Width of a character vector: 300 random, or the pretrained vectors' (200). */
  embedDim: number;
  /** Id of `<PAD>`: the random table's padding row (zero, never updated), as the tutorial's `padding_idx`. */
  padId: number;
  /** The table starts from pretrained vectors (then it has no padding row, as `from_pretrained`). */
  pretrained: boolean;
  /** Pretrained vectors stay fixed. */
  freezeEmbedding: boolean;
  /** Hidden units of each LSTM direction. */
  hidden: number;
  /** Stacked LSTM layers. */
  layers: number;
  /** Dropout between the LSTM layers. */
  dropout: number;
  /** Number of classes. */
  classes: number;
  /** LayerNorm on the features read out, before the classifier (the tutorial's variant). */
  layerNorm: boolean;
  /**
   * `false`: the tutorial's read-out, the output at the last padded step (`out[:, -1, :]`): the
   * backward direction there has seen only padding. `true`: the headline is packed, and the read-out
   * is each direction's final state at the headline's true end (forward after its last character,
   * backward after its first).
   */
  packed: boolean;
  /**
   * `'xavier'`: the tutorial's `init_network` (Xavier-normal weight matrices, zero biases, the
   * embedding left alone); `'default'`: PyTorch's default initialisation.
   */
  init: 'xavier' | 'default';
}

/**
 * The tutorial's TextRNN: character embedding → 2-layer bidirectional LSTM → (LayerNorm) → Linear to
 * the classes. Parameter names are PyTorch's (`embedding.weight`, `lstm.weight_ih_l0_reverse`,
 * `norm.weight`, `fc.bias`), so its checkpoints load into the tutorial's model.
 */
export class TextRNN extends Module {
  embedding: Embedding;
  lstm: LSTM;
  norm: LayerNorm | undefined;
  fc: Linear;

  /** `pretrained`: the vectors `[vocabSize, embedDim]` when `config.pretrained` (at training time). */
  constructor(
    readonly config: TextRnnConfig,
    pretrained?: Tensor,
  ) {
    super();
    const c = config;
    this.embedding =
      c.pretrained && pretrained
        ? Embedding.fromPretrained(pretrained, { freeze: c.freezeEmbedding })
        : new Embedding(c.vocabSize, c.embedDim, { paddingIdx: c.pretrained ? null : c.padId });
    this.lstm = new LSTM(c.embedDim, c.hidden, {
      numLayers: c.layers,
      bidirectional: true,
      dropout: c.dropout,
    });
    this.norm = c.layerNorm ? new LayerNorm(2 * c.hidden) : undefined;
    this.fc = new Linear(2 * c.hidden, c.classes);
    if (c.init === 'xavier') {
      noGrad(() => {
        for (const [name, p] of this.namedParameters()) {
          if (name.startsWith('embedding') || name.startsWith('norm')) continue;
          if (name.includes('weight')) xavierNormal_(p);
          else if (name.includes('bias')) constant_(p, 0);
        }
      });
    }
  }

  /** Class logits `[B, classes]` for headlines `ids` int32 `[T, B]` (time-major) of `lengths` characters. */
  forward(ids: Tensor, lengths: ArrayLike<number>): Tensor {
    const x = this.embedding.forward(ids); // [T, B, E]
    let features: Tensor; // [B, 2H]
    if (this.config.packed) {
      const [, [h]] = this.lstm.forward(packPaddedSequence(x, Array.from(lengths)));
      const top = 2 * (this.config.layers - 1); // h: [2·layers, B, H], the last layer's two directions last
      features = cat([h.select(0, top), h.select(0, top + 1)], 1);
    } else {
      const [out] = this.lstm.forward(x); // [T, B, 2H]
      features = out.select(0, out.shape[0] - 1);
    }
    if (this.norm) features = this.norm.forward(features);
    return this.fc.forward(features);
  }
}
