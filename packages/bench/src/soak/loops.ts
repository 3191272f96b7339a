import { Adam, clipGradNorm, crossEntropy, Embedding, Linear, LSTM, Module } from '@rnn/nn';
import { randint, randn, type Tensor, tidy } from '@rnn/tensor';

/**
 * The training loops a user writes first, exactly as a PyTorch user would write them: no `tidy`, no
 * `dispose`, no `await`. The memory soak runs them for many steps and watches memory.
 */

/** The loop of the engine issue: one weight, a fresh input each step, backward, grad dropped. */
export function matmulLoop(size = 512, options: LoopOptions = {}): () => void {
  const w = randn([size, size]).requiresGrad_();
  const step = () => {
    const loss = w
      .matmul(randn([size, size]))
      .tanh()
      .sum();
    loss.backward();
    w.grad = null;
  };
  return options.tidy ? () => tidy(step) : step;
}

/** How a loop runs. */
export interface LoopOptions {
  /** Wrap each step in `tidy()` (the explicit fast path, for comparison with the plain loop). */
  tidy?: boolean;
}

/** Sizes of {@link lmLoop}; the defaults are the PTB tutorial's. */
export interface LmLoopConfig {
  vocab: number;
  embed: number;
  hidden: number;
  batch: number;
  bptt: number;
}

export const TUTORIAL_LM: LmLoopConfig = { vocab: 10000, embed: 128, hidden: 1024, batch: 20, bptt: 30 };

class LanguageModel extends Module {
  embed: Embedding;
  lstm: LSTM;
  out: Linear;

  constructor(c: LmLoopConfig) {
    super();
    this.embed = new Embedding(c.vocab, c.embed);
    this.lstm = new LSTM(c.embed, c.hidden);
    this.out = new Linear(c.hidden, c.vocab);
  }

  forward(tokens: Tensor, hidden: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [h, state] = this.lstm.forward(this.embed.forward(tokens), hidden);
    return [this.out.forward(h.reshape([-1, h.shape[2]])), state];
  }
}

/**
 * The tutorial's PTB language-model step: Embedding → LSTM → Linear, Adam 0.002, gradient norm
 * clipped to 0.5, the hidden state carried over and `.detach()`ed between windows.
 */
export function lmLoop(c: LmLoopConfig = TUTORIAL_LM, options: LoopOptions = {}): () => void {
  const model = new LanguageModel(c);
  const opt = new Adam(model.parameters(), { lr: 0.002 });
  let hidden: [Tensor, Tensor] | null = null;
  const step = (): [Tensor, Tensor] => {
    const x = randint(0, c.vocab, [c.bptt, c.batch]);
    const y = randint(0, c.vocab, [c.bptt * c.batch]);
    const [logits, [h, cell]] = model.forward(x, hidden);
    const loss = crossEntropy(logits, y);
    opt.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 0.5);
    opt.step();
    return [h.detach(), cell.detach()];
  };
  return () => {
    // Inside tidy the carried state is the scope's result (a scope disposes everything else).
    hidden = options.tidy ? tidy(step) : step();
  };
}
