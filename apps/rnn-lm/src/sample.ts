import { EOS, type Vocab } from '@rnn/data';
import { Generator, multinomial, noGrad, type Tensor, tensor, topk } from '@rnn/tensor';
import type { LmState, RNNLM } from './model';

/** Options of {@link sampleWords}. */
export interface SampleOptions {
  /** Words the text starts with (split on whitespace; unknown ones read as `<unk>`). Default: a new sentence. */
  prompt?: string;
  /** Words to generate. */
  words: number;
  /** Logits are divided by it: below 1 sharper, above 1 flatter (default 1). */
  temperature?: number;
  /** Draw only among the `topK` most likely words (default 0: all). */
  topK?: number;
  /** Seeds the sampling generator: the same seed, checkpoint and options give the same text. */
  seed: number;
}

/** A prompt's words as ids; `unknown` lists the words read as `<unk>`. */
export function encodePrompt(prompt: string, vocab: Vocab): { ids: number[]; unknown: string[] } {
  const words = prompt.trim().split(/\s+/).filter(Boolean);
  return { ids: words.map((w) => vocab.id(w)), unknown: words.filter((w) => !vocab.has(w)) };
}

/**
 * Generates words one at a time, yielding each as soon as it is drawn (so a caller can stream them):
 * the prompt (or `<eos>`, the start of a sentence) is read into the LSTM state, then each next word
 * is drawn from `softmax(logits / temperature)`, restricted to the `topK` most likely words when
 * given, with `multinomial` on a generator seeded by `seed`, and fed back in. In evaluation mode
 * (no dropout) and without autograd.
 */
export async function* sampleWords(
  model: RNNLM,
  vocab: Vocab,
  options: SampleOptions,
): AsyncGenerator<string> {
  const { words, temperature = 1, topK = 0 } = options;
  const generator = new Generator(options.seed);
  const start = options.prompt?.trim() ? encodePrompt(options.prompt, vocab).ids : [vocab.id(EOS)];
  const wasTraining = model.training;
  model.eval();
  try {
    let state: LmState | undefined;
    let input = tensor(Int32Array.from(start), { shape: [start.length, 1] });
    for (let i = 0; i < words; i++) {
      const [logits, next] = noGrad(() => model.forward(input, state));
      state = next;
      const id = await drawNext(logits.select(0, logits.shape[0] - 1), temperature, topK, generator);
      input = tensor(Int32Array.of(id), { shape: [1, 1] });
      yield vocab.token(id);
    }
  } finally {
    model.train(wasTraining);
  }
}

/** One word id drawn from the logits `[V]` of the last step. */
async function drawNext(
  logits: Tensor,
  temperature: number,
  topK: number,
  generator: Generator,
): Promise<number> {
  const scaled = temperature === 1 ? logits : logits.div(temperature);
  if (topK > 0 && topK < scaled.shape[0]) {
    const { values, indices } = topk(scaled, topK);
    const pick = await multinomial(values.softmax(-1), 1, { generator }).item();
    return (await indices.data())[pick];
  }
  return multinomial(scaled.softmax(-1), 1, { generator }).item();
}

/**
 * Writes a sample as text while it is drawn: the prompt, then each word after a space, `<eos>` as a
 * line break. Returns the whole text.
 */
export async function writeSample(
  model: RNNLM,
  vocab: Vocab,
  options: SampleOptions,
  write: (chunk: string) => void,
): Promise<string> {
  let text = options.prompt?.trim() ?? '';
  const put = (chunk: string) => {
    text += chunk;
    write(chunk);
  };
  if (text) write(text);
  for await (const word of sampleWords(model, vocab, options)) {
    if (word === EOS) put('\n');
    else put(text === '' || text.endsWith('\n') ? word : ` ${word}`);
  }
  if (!text.endsWith('\n')) put('\n');
  return text;
}
