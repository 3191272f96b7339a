import { crossEntropy } from '@rnn/nn';
import { ConfusionMatrix, evaluate } from '@rnn/train';
import { type EncodedSentence, evalBatches, IGNORE_INDEX } from './batches';
import type { Vocabularies } from './data';
import type { Tagger } from './model';

/** Scores of the tagger on a split. */
export interface Evaluation {
  /** Mean cross-entropy per token. */
  loss: number;
  /** Tokens tagged correctly / tokens. */
  accuracy: number;
  /** Accuracy on words in the word vocabulary (seen in training, lowercased). */
  knownAccuracy: number;
  /** Accuracy on words not in the word vocabulary (`<unk>`): only their characters tell. */
  unknownAccuracy: number;
  /** Tokens, and how many of them are unknown words. */
  tokens: number;
  unknownTokens: number;
  /** Rows: gold tags; columns: predicted tags. */
  confusion: ConfusionMatrix;
  /** The predicted tag ids of each sentence, in the order given. */
  predictions: Int32Array[];
}

/**
 * Tags `sentences` in evaluation mode (no dropout, no autograd), in batches of similar length, and
 * scores the predictions against their gold tags (sentences without gold tags score nothing).
 */
export async function evaluateTagger(
  model: Tagger,
  sentences: readonly EncodedSentence[],
  v: Vocabularies,
  batchSize = 128,
): Promise<Evaluation> {
  return evaluate(model, async () => {
    const confusion = new ConfusionMatrix(v.tags);
    const predictions: Int32Array[] = new Array(sentences.length);
    let nll = 0;
    const known = { correct: 0, count: 0 };
    const unknown = { correct: 0, count: 0 };
    for (const { batch, indices } of evalBatches(sentences, v, batchSize)) {
      const scores = model.forward(batch); // [T, B, tags]
      const flat = scores.reshape([-1, v.tags.length]);
      const predicted = await flat.argmax(-1).data();
      const gold = batch.tagIds;
      if (gold.some((t) => t !== IGNORE_INDEX)) {
        nll += await crossEntropy(flat, batch.tags, { ignoreIndex: IGNORE_INDEX, reduction: 'sum' }).item();
      }
      const B = indices.length;
      indices.forEach((k, b) => {
        const n = sentences[k].words.length;
        const tags = new Int32Array(n);
        for (let t = 0; t < n; t++) {
          const i = t * B + b;
          tags[t] = predicted[i];
          if (gold[i] === IGNORE_INDEX) continue;
          const bucket = batch.known[i] ? known : unknown;
          bucket.count++;
          if (predicted[i] === gold[i]) bucket.correct++;
        }
        predictions[k] = tags;
      });
      confusion.add(predicted, gold, { ignoreIndex: IGNORE_INDEX });
    }
    const tokens = known.count + unknown.count;
    return {
      loss: tokens === 0 ? Number.NaN : nll / tokens,
      accuracy: (known.correct + unknown.correct) / tokens,
      knownAccuracy: known.correct / known.count,
      unknownAccuracy: unknown.correct / unknown.count,
      tokens,
      unknownTokens: unknown.count,
      confusion,
      predictions,
    };
  });
}

/** The numbers of an {@link Evaluation} for metric records, reports and summaries. */
export function evaluationMetrics(e: Evaluation): Record<string, number> {
  return {
    loss: e.loss,
    accuracy: e.accuracy,
    known_accuracy: e.knownAccuracy,
    unknown_accuracy: e.unknownAccuracy,
    unknown_tokens: e.unknownTokens,
    tokens: e.tokens,
    macro_f1: e.confusion.macroF1(),
  };
}
