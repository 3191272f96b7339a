import { ArrayDataset, DataLoader, padCollate } from '@rnn/data';
import { crossEntropy } from '@rnn/nn';
import type { Tensor } from '@rnn/tensor';
import { ConfusionMatrix, evaluate } from '@rnn/train';
import type { Headline } from './data';
import type { TextRNN } from './model';

/** A mini-batch: ids int32 `[padSize, B]` (time-major), true lengths (at most `padSize`), labels `[B]`. */
export interface Batch {
  ids: Tensor;
  lengths: Int32Array;
  labels: Tensor;
  size: number;
}

/**
 * Mini-batches of headlines padded with `<PAD>` or cut to `padSize` characters (the tutorial's
 * "short ones padded, long ones cut"), shuffled from the default generator when `shuffle`. The
 * loader's position goes into checkpoints, so a resumed run sees the same batches.
 */
export function batches(
  data: readonly Headline[],
  options: { batchSize: number; padSize: number; padId: number; shuffle: boolean },
): DataLoader<Headline, Batch> {
  const collate = padCollate<Headline>({ padSize: options.padSize, padId: options.padId });
  return new DataLoader(new ArrayDataset([...data]), {
    batchSize: options.batchSize,
    shuffle: options.shuffle,
    collate: (examples) => {
      const b = collate(examples);
      return { ids: b.ids, lengths: b.lengthsArray, labels: b.labels!, size: examples.length };
    },
  });
}

/** Loss, accuracy and confusion matrix of a split. */
export interface SplitScores {
  loss: number;
  accuracy: number;
  confusion: ConfusionMatrix;
}

/** Mean loss, accuracy and the confusion matrix of the model on a split (evaluation mode, no autograd). */
export async function evaluateSplit(
  model: TextRNN,
  loader: Iterable<Batch>,
  classes: readonly string[],
): Promise<SplitScores> {
  return evaluate(model, async () => {
    const confusion = new ConfusionMatrix([...classes]);
    let lossSum = 0;
    let count = 0;
    for (const b of loader) {
      const logits = model.forward(b.ids, b.lengths);
      lossSum += (await crossEntropy(logits, b.labels, { reduction: 'sum' }).item()) as number;
      count += b.size;
      await confusion.addTensors(logits, b.labels);
    }
    return { loss: lossSum / count, accuracy: confusion.accuracy(), confusion };
  });
}
