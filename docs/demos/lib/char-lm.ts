/**
 * The character-level LSTM language model the training demo trains in the reader's browser:
 * Embedding → LSTM → Linear, trained with Adam on random windows of a small text, then sampled
 * character by character. Plain `@rnn/nn` and `@rnn/train`; the same code runs in Node (the docs'
 * tests train it there too) and on any backend.
 */
import { SeededRandom } from '@rnn/data';
import { Adam, crossEntropy, Embedding, Linear, LSTM, Module } from '@rnn/nn';
import { Generator, noGrad, type Tensor, tensor } from '@rnn/tensor';
import { backwardStep } from '@rnn/train';

/** The characters of a text, each with an id. */
export class CharVocab {
  readonly chars: string[];
  private readonly ids: Map<string, number>;

  constructor(text: string) {
    this.chars = [...new Set(text)].sort();
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  get size(): number {
    return this.chars.length;
  }

  /** Ids of the characters of `text`; characters the vocabulary lacks are left out. */
  encode(text: string): Int32Array {
    return Int32Array.from([...text].flatMap((c) => (this.ids.has(c) ? [this.ids.get(c)!] : [])));
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i]).join('');
  }
}

/** Sizes of the model. */
export interface CharLMOptions {
  embed?: number;
  hidden?: number;
  layers?: number;
}

/** Embedding → LSTM → Linear over characters, time-major (`[T, B]` ids). */
export class CharLM extends Module {
  embed: Embedding;
  lstm: LSTM;
  head: Linear;

  constructor(vocabSize: number, options: CharLMOptions = {}) {
    super();
    const embed = options.embed ?? 32;
    const hidden = options.hidden ?? 128;
    this.embed = new Embedding(vocabSize, embed);
    this.lstm = new LSTM(embed, hidden, { numLayers: options.layers ?? 1 });
    this.head = new Linear(hidden, vocabSize);
  }

  /** Logits `[T, B, V]` and the LSTM's final state. */
  forward(ids: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [h, next] = this.lstm.forward(this.embed.forward(ids), state);
    return [this.head.forward(h), next];
  }
}

/** How to train. */
export interface CharTrainerOptions extends CharLMOptions {
  /** Characters per window (BPTT length). */
  seqLen?: number;
  /** Windows per step. */
  batchSize?: number;
  lr?: number;
  /** Seeds the windows drawn (the weights follow `manualSeed`). */
  seed?: number;
}

/** Trains a {@link CharLM} on one text, one step at a time, and samples from it. */
export class CharTrainer {
  readonly vocab: CharVocab;
  readonly model: CharLM;
  readonly losses: number[] = [];
  private readonly ids: Int32Array;
  private readonly optimizer: Adam;
  private readonly random: SeededRandom;
  private readonly seqLen: number;
  private readonly batchSize: number;

  constructor(text: string, options: CharTrainerOptions = {}) {
    this.vocab = new CharVocab(text);
    this.ids = this.vocab.encode(text);
    this.seqLen = options.seqLen ?? 48;
    this.batchSize = options.batchSize ?? 16;
    if (this.ids.length < this.seqLen + 2) {
      throw new Error(`the text has ${this.ids.length} characters; it needs more than ${this.seqLen + 1}`);
    }
    this.model = new CharLM(this.vocab.size, options);
    this.optimizer = new Adam(this.model.parameters(), { lr: options.lr ?? 5e-3 });
    this.random = new SeededRandom(options.seed ?? 0);
  }

  /** A batch of random windows: inputs and next-character targets, int32 `[seqLen, batchSize]`. */
  private batch(): { input: Tensor; target: Tensor } {
    const T = this.seqLen;
    const B = this.batchSize;
    const input = new Int32Array(T * B);
    const target = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const start = this.random.nextInt(this.ids.length - T - 1);
      for (let t = 0; t < T; t++) {
        input[t * B + b] = this.ids[start + t];
        target[t * B + b] = this.ids[start + t + 1];
      }
    }
    const shape = [T, B];
    return {
      input: tensor(input, { shape, dtype: 'int32' }),
      target: tensor(target, { shape, dtype: 'int32' }),
    };
  }

  /** One step of Adam on a fresh batch; returns its loss (mean cross-entropy per character, nats). */
  async step(): Promise<number> {
    const { input, target } = this.batch();
    const [logits] = this.model.forward(input);
    const loss = crossEntropy(logits.reshape([-1, this.vocab.size]), target.reshape([-1]));
    // zeroGrad, backward, clip the gradient norm, step, and one (awaited) read of the loss
    const out = await backwardStep(loss, this.optimizer, { maxGradNorm: 1 });
    this.losses.push(out.loss);
    return out.loss;
  }

  /**
   * `length` characters after `prompt`, drawn from `softmax(logits / temperature)` with a seeded
   * generator: the same prompt, temperature and seed give the same text.
   */
  async sample(prompt: string, length: number, temperature = 0.8, seed = 0): Promise<string> {
    const generator = new Generator(seed);
    return noGrad(async () => {
      this.model.eval();
      try {
        let ids = this.vocab.encode(prompt);
        if (ids.length === 0)
          ids = this.vocab.encode(this.vocab.chars.includes('\n') ? '\n' : this.vocab.chars[0]);
        let [logits, state] = this.model.forward(tensor(ids, { shape: [ids.length, 1], dtype: 'int32' }));
        const out: number[] = [];
        for (let i = 0; i < length; i++) {
          const last = logits.select(0, logits.shape[0] - 1).reshape([this.vocab.size]);
          const next = last.div(temperature).softmax(-1).multinomial(1, { generator });
          const id = await next.item();
          out.push(id);
          [logits, state] = this.model.forward(tensor([id], { shape: [1, 1], dtype: 'int32' }), state);
        }
        return this.vocab.decode(out);
      } finally {
        this.model.train();
      }
    });
  }
}
