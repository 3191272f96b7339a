import { batchify, bpttWindowCount, bpttWindows } from '@rnn/data';
import { crossEntropy } from '@rnn/nn';
import { getBackend, type Tensor, tensor, ValueError } from '@rnn/tensor';
import { evaluate, perplexity } from '@rnn/train';
import { detachState, type LmState, type RNNLM } from './model';

/** One truncated-BPTT window: word ids `[T, B]` and the next words `[T, B]`. */
export interface Window {
  input: Tensor;
  target: Tensor;
  /** Words predicted: `T·B`. */
  tokens: number;
}

/** What {@link CarriedWindows.stateDict} saves: the position in the epoch and the carried LSTM state. */
export interface CarriedWindowsState {
  position: number;
  /** `[h, c]` as base64 float32 bytes with their shape, or null at the start of an epoch. */
  state: { shape: number[]; h: string; c: string } | null;
}

/**
 * The training windows of an epoch in corpus order, as PyTorch's word_language_model example walks
 * them, with the LSTM state carried from each window to the next (`carry`, after each step) and reset
 * to zero at the start of every epoch. Both the position and the carried state are in its
 * `stateDict()`, which `@rnn/train` stores in checkpoints as a data loader's: an interrupted run
 * resumes with exactly the state it had, so it repeats an uninterrupted run's losses.
 */
export class CarriedWindows implements Iterable<Window> {
  /** The state to start the next window from (undefined: zeros). */
  state: LmState | undefined;
  /** Windows done in the current epoch. */
  position = 0;
  private readonly source: Tensor;
  private host: [Float32Array, Float32Array] | undefined;

  /** `ids` cut into `batchSize` streams (`batchify`), windows of `bptt` steps. */
  constructor(
    ids: Int32Array,
    batchSize: number,
    readonly bptt: number,
  ) {
    this.source = batchify(ids, batchSize);
  }

  /** Windows per epoch. */
  get length(): number {
    return bpttWindowCount(this.source.shape[0], this.bptt);
  }

  *[Symbol.iterator](): Iterator<Window> {
    if (this.position === 0) this.state = undefined; // a new epoch starts from a zero state
    let index = 0;
    for (const w of bpttWindows(this.source, this.bptt)) {
      if (index++ < this.position) continue;
      this.position++; // counted as done when the step runs: an interrupt after it resumes at the next
      yield { input: w.input, target: w.target, tokens: w.input.size };
    }
    this.position = 0; // reached only when the epoch ran to its end
  }

  /** Records the state after a step (detached: the next window's gradients stop here). */
  async carry(state: LmState): Promise<void> {
    this.state = detachState(state);
    // Backends that read only asynchronously keep a host copy for stateDict(), which is synchronous.
    this.host = getBackend().readSync
      ? undefined
      : [(await this.state[0].data()) as Float32Array, (await this.state[1].data()) as Float32Array];
  }

  stateDict(): CarriedWindowsState {
    if (!this.state || this.position === 0) return { position: this.position, state: null };
    const [h, c] = this.host ?? [this.state[0].dataSync(), this.state[1].dataSync()];
    return {
      position: this.position,
      state: { shape: [...this.state[0].shape], h: toBase64(h), c: toBase64(c) },
    };
  }

  loadStateDict(s: CarriedWindowsState): void {
    this.position = s.position;
    this.host = undefined;
    this.state = s.state
      ? [
          tensor(fromBase64(s.state.h), { shape: s.state.shape }),
          tensor(fromBase64(s.state.c), { shape: s.state.shape }),
        ]
      : undefined;
  }
}

function toBase64(a: ArrayLike<number>): string {
  const f = Float32Array.from(a);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

function fromBase64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Mean loss of a window: cross-entropy of the logits `[T·B, V]` against the next words. */
export function windowLoss(logits: Tensor, target: Tensor): Tensor {
  return crossEntropy(logits, target.reshape([-1]));
}

/** What {@link evaluatePerplexity} measures. */
export interface Evaluation {
  /** Mean negative log-likelihood per word (nats), `<eos>` included. */
  loss: number;
  /** `exp(loss)`. */
  perplexity: number;
  /** Words predicted. */
  tokens: number;
  /** Parallel streams used (fewer than asked for a text too short to fill them). */
  batchSize: number;
}

/**
 * Perplexity of the model on an id stream, as PyTorch's example computes it: the stream cut into
 * `batchSize` columns (the remainder dropped), windows of `bptt` steps with the state carried
 * across, in evaluation mode (no dropout, no autograd); exp of the mean per-word negative
 * log-likelihood, every `<eos>` counted. A text shorter than `batchSize` windows is read as fewer
 * streams.
 */
export async function evaluatePerplexity(
  model: RNNLM,
  ids: Int32Array,
  { batchSize = 10, bptt = 35 }: { batchSize?: number; bptt?: number } = {},
): Promise<Evaluation> {
  if (ids.length < 2) {
    throw new ValueError(`evaluatePerplexity: expected at least 2 tokens to score, got ${ids.length}`);
  }
  // A short text gets fewer streams (each at least a window long): a stream's first word and the
  // remainder are not scored, which matters only when they are a large share of the text.
  const streams = Math.max(1, Math.min(batchSize, Math.floor(ids.length / (bptt + 1))));
  return evaluate(model, async () => {
    const windows = new CarriedWindows(ids, streams, bptt);
    let state: LmState | undefined;
    let nll = 0;
    let tokens = 0;
    for (const w of windows) {
      const [logits, next] = model.forward(w.input, state);
      state = next;
      nll += await crossEntropy(logits, w.target.reshape([-1]), { reduction: 'sum' }).item();
      tokens += w.tokens;
    }
    return { loss: nll / tokens, perplexity: perplexity(nll, tokens), tokens, batchSize: streams };
  });
}
