import { type Tensor, ValueError } from '@rnn/tensor';
import { predictedClasses } from './metrics';

/** Precision, recall and F1 of one class, with its support (true examples of the class). */
export interface ClassScores {
  /** The class name (or its index as a string when there are no names). */
  label: string;
  /** Correct predictions of the class / all predictions of the class (0 when never predicted). */
  precision: number;
  /** Correct predictions of the class / examples of the class (0 when there are none). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Examples whose true class this is. */
  support: number;
}

/** Options of {@link ConfusionMatrix.addTensors}. */
export interface AddTensorsOptions {
  /** Targets equal to this are left out (padding; PyTorch's default `ignore_index` is -100). */
  ignoreIndex?: number;
}

/**
 * A confusion matrix, accumulated batch by batch: `counts[t][p]` is the number of examples of true
 * class `t` predicted as `p` (rows are true classes, as in scikit-learn). Accuracy, per-class
 * precision/recall/F1 and macro/weighted averages are read from it.
 *
 * @example
 * ```ts
 * const cm = new ConfusionMatrix(classNames);
 * await evaluate(model, async () => {
 *   for (const { ids, labels } of devLoader) await cm.addTensors(model.forward(ids), labels);
 * });
 * cm.accuracy(); cm.perClass(); cm.macroF1();
 * ```
 */
export class ConfusionMatrix {
  /** The class names, in index order. */
  readonly labels: readonly string[];
  /** `counts[true][predicted]`. */
  readonly counts: number[][];

  /** A matrix for these class names, or for `n` classes named by their indices. */
  constructor(labels: readonly string[] | number) {
    if (typeof labels === 'number') {
      if (!Number.isInteger(labels) || labels < 1) {
        throw new ValueError(`ConfusionMatrix: expected a positive number of classes, got ${labels}`);
      }
      labels = Array.from({ length: labels }, (_, i) => String(i));
    }
    if (labels.length === 0) throw new ValueError('ConfusionMatrix: expected at least one class, got none');
    this.labels = [...labels];
    this.counts = this.labels.map(() => new Array<number>(this.labels.length).fill(0));
  }

  /** Number of classes. */
  get size(): number {
    return this.labels.length;
  }

  /** Examples counted. */
  get total(): number {
    let n = 0;
    for (const row of this.counts) for (const c of row) n += c;
    return n;
  }

  /**
   * Counts predicted classes against true classes (same length, integers in `[0, size)`; targets
   * equal to `ignoreIndex` are left out).
   */
  add(predictions: ArrayLike<number>, targets: ArrayLike<number>, options: AddTensorsOptions = {}): void {
    if (predictions.length !== targets.length) {
      throw new ValueError(
        `ConfusionMatrix.add: expected as many predictions as targets, got ${predictions.length} and ${targets.length}`,
      );
    }
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (t === options.ignoreIndex) continue;
      const p = predictions[i];
      this.checkClass('target', t, i);
      this.checkClass('prediction', p, i);
      this.counts[t][p]++;
    }
  }

  /**
   * Counts a batch given as tensors: class scores `[..., C]` (the highest wins; logits or
   * probabilities) or predicted classes `[...]` (int32), against int32 targets `[...]`. Reads the
   * data asynchronously, so it works on every backend.
   */
  async addTensors(
    scoresOrPredictions: Tensor,
    targets: Tensor,
    options: AddTensorsOptions = {},
  ): Promise<void> {
    const predicted = predictedClasses(scoresOrPredictions, targets);
    try {
      const [p, t] = await Promise.all([predicted.data(), targets.data()]);
      this.add(p, t, options);
    } finally {
      if (predicted !== scoresOrPredictions) predicted.dispose();
    }
  }

  private checkClass(what: string, c: number, i: number): void {
    if (!Number.isInteger(c) || c < 0 || c >= this.size) {
      throw new ValueError(
        `ConfusionMatrix: ${what} ${c} at position ${i} is not a class in [0, ${this.size})`,
      );
    }
  }

  /** Fraction of examples on the diagonal (NaN when empty). */
  accuracy(): number {
    let correct = 0;
    for (let i = 0; i < this.size; i++) correct += this.counts[i][i];
    const total = this.total;
    return total === 0 ? Number.NaN : correct / total;
  }

  /** Precision, recall, F1 and support of each class. */
  perClass(): ClassScores[] {
    return this.labels.map((label, c) => {
      const tp = this.counts[c][c];
      let predicted = 0;
      let support = 0;
      for (let k = 0; k < this.size; k++) {
        predicted += this.counts[k][c];
        support += this.counts[c][k];
      }
      const precision = predicted === 0 ? 0 : tp / predicted;
      const recall = support === 0 ? 0 : tp / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { label, precision, recall, f1, support };
    });
  }

  /** Unweighted mean of the classes' F1 (scikit-learn's `average='macro'`). */
  macroF1(): number {
    const scores = this.perClass();
    return scores.reduce((s, c) => s + c.f1, 0) / scores.length;
  }

  /** Mean of the classes' F1 weighted by support (scikit-learn's `average='weighted'`). */
  weightedF1(): number {
    const scores = this.perClass();
    const total = scores.reduce((s, c) => s + c.support, 0);
    return total === 0 ? Number.NaN : scores.reduce((s, c) => s + c.f1 * c.support, 0) / total;
  }

  /** Each row divided by its sum (recall on the diagonal); rows without examples stay 0. */
  normalized(): number[][] {
    return this.counts.map((row) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((c) => (sum === 0 ? 0 : c / sum));
    });
  }

  /** Plain JSON: `{ labels, counts }`. */
  toJSON(): { labels: string[]; counts: number[][] } {
    return { labels: [...this.labels], counts: this.counts.map((r) => [...r]) };
  }

  /** Rebuilds a matrix from {@link toJSON}'s output. */
  static fromJSON(json: {
    labels: readonly string[];
    counts: readonly (readonly number[])[];
  }): ConfusionMatrix {
    const cm = new ConfusionMatrix(json.labels);
    if (json.counts.length !== cm.size || json.counts.some((r) => r.length !== cm.size)) {
      throw new ValueError(`ConfusionMatrix.fromJSON: expected ${cm.size} × ${cm.size} counts`);
    }
    json.counts.forEach((row, i) => {
      cm.counts[i] = [...row];
    });
    return cm;
  }
}
