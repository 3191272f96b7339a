import {
  BatchNorm1d,
  Dropout,
  Embedding,
  Identity,
  Linear,
  LSTM,
  Module,
  packPaddedSequence,
  ReLU,
  Sequential,
  type TensorModule,
} from '@rnn/nn';
import { cat, type Generator, type Tensor, tensor, zeros } from '@rnn/tensor';
import { Spinn, type SpinnOutput, type SpinnSentence, type TransitionPolicy } from './spinn';

/** Which sentence encoder a {@link NliClassifier} uses. */
export type EncoderKind = 'spinn' | 'bow' | 'lstm';

/** The hyper-parameters that shape the model (stored in checkpoints, so `eval`/`predict` rebuild it). */
export interface NliConfig {
  /** `spinn`: the shift-reduce TreeLSTM; `bow`: the mean of the word vectors; `lstm`: an LSTM's last state. */
  encoder: EncoderKind;
  vocabSize: number;
  embedDim: number;
  /** Width of the sentence encoding (SPINN's tree nodes, the LSTM's state). `bow` uses `embedDim`. */
  hidden: number;
  /** SPINN's tracker width (0: no tracker, SPINN-PI-NT). */
  tracker: number;
  /** SPINN: the tracker scores SHIFT/REDUCE (REINFORCE policy, or a supervised transition loss). */
  transitionHead: boolean;
  /** Hidden layers of the classifier MLP. */
  mlpLayers: number;
  mlpDim: number;
  /** Dropout on the word vectors and after each MLP layer. */
  dropout: number;
  /** BatchNorm1d on SPINN's leaf projection and in the MLP (as the original SPINN). */
  batchNorm: boolean;
  /** Keep the word vectors fixed (as SPINN with GloVe). */
  freezeEmbeddings: boolean;
}

/** A batch of pairs as the model reads it: every premise, then every hypothesis, as one list of sentences. */
export interface PairBatch {
  /** int32 `[Σ lengths]`: the word ids of the premises, then of the hypotheses, sentence after sentence. */
  ids: Tensor;
  /** `2B` sentences (premise `i` is sentence `i`, its hypothesis `B + i`), with transitions when given. */
  sentences: SpinnSentence[];
  /** int32 `[B]` label ids, when known. */
  labels?: Tensor;
  /** Number of pairs `B`. */
  size: number;
}

/** Options of {@link NliClassifier.forward}. */
export interface ClassifyOptions {
  /** How SPINN chooses transitions (default `'given'`). */
  policy?: TransitionPolicy;
  generator?: Generator;
  /** SPINN: also return the transition head's logits on the given transitions. */
  transitionLogits?: boolean;
}

/** Logits and, for SPINN, what the encoder did. */
export interface ClassifyOutput {
  /** `[B, 3]`. */
  logits: Tensor;
  /** SPINN's output for all `2B` sentences (transitions, policy log-probabilities), else null. */
  spinn: SpinnOutput | null;
}

/**
 * Natural language inference with a sentence encoder (Bowman et al. 2015/2016): premise and
 * hypothesis are encoded separately into `p` and `h`, and an MLP classifies `[p; h; p − h; p ⊙ h]`
 * into entailment / neutral / contradiction. The three encoders share everything else (word vectors,
 * features, MLP), so their comparison is about the encoder alone.
 *
 * State-dict names follow PyTorch (`embed.weight`, `encoder.reduce.left.weight`,
 * `mlp.0.weight`, ...).
 */
export class NliClassifier extends Module {
  embed: Embedding;
  drop: Dropout;
  /** SPINN: word vectors → leaves `h‖c` (`[N, 2H]`); an `Identity` for the other encoders. */
  proj: TensorModule;
  encoder: Spinn | LSTM | Identity;
  mlp: Sequential;
  out: Linear;
  /** A REINFORCE baseline's state, when set (a buffer, so checkpoints keep it). */
  rewardBaseline: Tensor | null = null;

  constructor(readonly config: NliConfig) {
    super();
    const c = config;
    this.embed = new Embedding(c.vocabSize, c.embedDim, { paddingIdx: 0 });
    if (c.freezeEmbeddings) this.embed.requiresGrad_(false);
    this.drop = new Dropout(c.dropout);
    if (c.encoder === 'spinn') {
      const linear = new Linear(c.embedDim, 2 * c.hidden);
      this.proj = c.batchNorm
        ? new Sequential(linear, new BatchNorm1d(2 * c.hidden))
        : new Sequential(linear);
      this.encoder = new Spinn({ hidden: c.hidden, tracker: c.tracker, transitionHead: c.transitionHead });
    } else if (c.encoder === 'lstm') {
      this.proj = new Identity();
      this.encoder = new LSTM(c.embedDim, c.hidden);
    } else {
      this.proj = new Identity();
      this.encoder = new Identity();
    }
    const width = this.sentenceWidth;
    const layers: TensorModule[] = [];
    for (let i = 0; i < c.mlpLayers; i++) {
      layers.push(new Linear(i === 0 ? 4 * width : c.mlpDim, c.mlpDim));
      if (c.batchNorm) layers.push(new BatchNorm1d(c.mlpDim));
      layers.push(new ReLU());
      if (c.dropout > 0) layers.push(new Dropout(c.dropout));
    }
    this.mlp = new Sequential(...layers);
    this.out = new Linear(c.mlpLayers > 0 ? c.mlpDim : 4 * width, 3);
  }

  /** Width of a sentence encoding. */
  get sentenceWidth(): number {
    return this.config.encoder === 'bow' ? this.config.embedDim : this.config.hidden;
  }

  /** Encodes sentences (`ids` as in {@link PairBatch}) → `[S, width]`, and SPINN's output. */
  encode(
    ids: Tensor,
    sentences: readonly SpinnSentence[],
    options: ClassifyOptions = {},
  ): { encoding: Tensor; spinn: SpinnOutput | null } {
    const words = this.drop.forward(this.embed.forward(ids));
    if (this.encoder instanceof Spinn) {
      const leaves = this.proj.forward(words);
      const spinn = this.encoder.forward(leaves, sentences, options);
      return { encoding: spinn.h, spinn };
    }
    const lengths = sentences.map((s) => s.length);
    if (this.encoder instanceof LSTM) {
      const padded = padWords(words, lengths, true); // [T, S, d]
      const [, [hN]] = this.encoder.forward(packPaddedSequence(padded, lengths));
      return { encoding: hN.reshape([sentences.length, this.config.hidden]), spinn: null };
    }
    const padded = padWords(words, lengths, false); // [S, T, d], zero rows beyond each length
    const mean = padded
      .sum(1)
      .div(tensor(Float32Array.from(lengths), { shape: [lengths.length, 1] }).asType(words.dtype));
    return { encoding: mean, spinn: null };
  }

  /** Class logits `[B, 3]` for a batch of pairs. */
  forward(batch: PairBatch, options: ClassifyOptions = {}): ClassifyOutput {
    const { encoding, spinn } = this.encode(batch.ids, batch.sentences, options);
    const B = batch.size;
    const p = encoding.narrow(0, 0, B);
    const h = encoding.narrow(0, B, B);
    const features = cat([p, h, p.sub(h), p.mul(h)], 1);
    return { logits: this.out.forward(this.mlp.forward(features)), spinn };
  }
}

/**
 * Word vectors `[N, d]` of sentences laid end to end → padded `[S, T, d]` (or `[T, S, d]` with
 * `timeMajor`), zeros past each sentence's end: one `indexSelect` with a zero row appended.
 */
function padWords(words: Tensor, lengths: readonly number[], timeMajor: boolean): Tensor {
  const S = lengths.length;
  const T = Math.max(...lengths);
  const N = words.shape[0];
  const d = words.shape[1];
  const index = new Int32Array(S * T).fill(N);
  let offset = 0;
  lengths.forEach((len, s) => {
    for (let t = 0; t < len; t++) index[timeMajor ? t * S + s : s * T + t] = offset + t;
    offset += len;
  });
  const zero = zeros([1, d], { dtype: words.dtype, backend: words.backend });
  const padded = cat([words, zero], 0).indexSelect(0, tensor(index));
  return padded.reshape(timeMajor ? [T, S, d] : [S, T, d]);
}
