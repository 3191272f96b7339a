import { ArrayDataset, DataLoader } from '@rnn/data';
import { crossEntropy } from '@rnn/nn';
import { tensor } from '@rnn/tensor';
import { ConfusionMatrix, evaluate } from '@rnn/train';
import { CLASS_NAMES, type Dataset } from './data';
import type { MLP } from './model';

/** A mini-batch: points `[B, 2]`, labels `[B]`. */
export interface Batch {
  x: ReturnType<typeof tensor>;
  y: ReturnType<typeof tensor>;
  size: number;
}

/**
 * Shuffled mini-batches of a split, as `@rnn/data`'s `DataLoader` makes them: a dataset of row
 * indices and a collate that gathers the rows. The shuffles draw from the default generator, and the
 * loader's position is saved in checkpoints, so a resumed run sees the same batches.
 */
export function batches(data: Dataset, batchSize: number): DataLoader<number, Batch> {
  const rows = new ArrayDataset(Array.from({ length: data.size }, (_, i) => i));
  return new DataLoader(rows, {
    batchSize,
    shuffle: true,
    collate: (indices) => {
      const idx = tensor(Int32Array.from(indices));
      return { x: data.x.indexSelect(0, idx), y: data.y.indexSelect(0, idx), size: indices.length };
    },
  });
}

/** Loss, accuracy and confusion matrix of the model on a split, in evaluation mode and without autograd. */
export async function evaluateSplit(
  model: MLP,
  data: Dataset,
): Promise<{ loss: number; accuracy: number; confusion: ConfusionMatrix }> {
  return evaluate(model, async () => {
    const logits = model.forward(data.x);
    const loss = await crossEntropy(logits, data.y).item();
    const confusion = new ConfusionMatrix(CLASS_NAMES);
    await confusion.addTensors(logits, data.y);
    return { loss, accuracy: confusion.accuracy(), confusion };
  });
}
