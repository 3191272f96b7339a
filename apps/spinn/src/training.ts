import { crossEntropy } from '@rnn/nn';
import { type MovingAverageBaseline, reinforceLoss } from '@rnn/rl';
import { noGrad, type Tensor } from '@rnn/tensor';
import { ConfusionMatrix, evaluate } from '@rnn/train';
import { type EncodedPair, evalBatches, LABELS } from './data';
import type { NliClassifier, NliConfig, PairBatch } from './model/classifier';
import type { SpinnOutput, TransitionPolicy } from './model/spinn';
import { TreeStats } from './model/trees';

/** The models the app trains. */
export const VARIANTS = ['spinn-pi', 'spinn-pi-nt', 'spinn-rl', 'bow', 'lstm'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What each variant is, in words (reports, `--help`). */
export const VARIANT_NAMES: Record<Variant, string> = {
  'spinn-pi': 'SPINN-PI (parser transitions, tracker)',
  'spinn-pi-nt': 'SPINN-PI-NT (parser transitions, no tracker)',
  'spinn-rl': 'SPINN with a REINFORCE-trained tracker (its own transitions)',
  bow: 'bag of words (mean of word vectors)',
  lstm: 'LSTM encoder (last state)',
};

/** The model's configuration for a variant and the size flags. */
export function modelConfig(
  variant: Variant,
  c: {
    hidden: number;
    tracker: number;
    embedDim: number;
    mlpLayers: number;
    mlpDim: number;
    dropout: number;
    batchNorm: boolean;
    freezeEmbeddings: boolean;
    transitionLoss: number;
  },
  vocabSize: number,
): NliConfig {
  const spinn = variant.startsWith('spinn');
  return {
    encoder: spinn ? 'spinn' : (variant as 'bow' | 'lstm'),
    vocabSize,
    embedDim: c.embedDim,
    hidden: c.hidden,
    tracker: variant === 'spinn-pi-nt' || !spinn ? 0 : c.tracker,
    transitionHead: variant === 'spinn-rl' || (variant === 'spinn-pi' && c.transitionLoss > 0),
    mlpLayers: c.mlpLayers,
    mlpDim: c.mlpDim,
    dropout: c.dropout,
    batchNorm: c.batchNorm,
    freezeEmbeddings: c.freezeEmbeddings,
  };
}

/** How a training step computes its loss. */
export interface LossSetup {
  variant: Variant;
  /** SPINN-PI with a transition head: weight of the supervised SHIFT/REDUCE loss on the parses. */
  transitionLoss: number;
  /** REINFORCE: weight of the policy loss next to the classification loss. */
  rlWeight: number;
  /** REINFORCE: the baseline (`'self-critical'`: the greedy trees' correctness, in eval mode). */
  baseline: MovingAverageBaseline | 'self-critical' | 'none';
  normalizeAdvantages: boolean;
  /** REINFORCE: entropy bonus weight (per decision, averaged over pairs). */
  entropyCoef: number;
}

/**
 * The loss of one training batch (what to minimise) and its classification loss (what to log: the
 * REINFORCE surrogate has no meaning as a number).
 */
export function batchLoss(
  model: NliClassifier,
  batch: PairBatch,
  setup: LossSetup,
): { loss: Tensor; classification: Tensor; reward?: Tensor } {
  const labels = batch.labels!;
  if (setup.variant !== 'spinn-rl') {
    const wantTransitions = setup.variant === 'spinn-pi' && setup.transitionLoss > 0;
    const out = model.forward(batch, { transitionLogits: wantTransitions });
    let loss = crossEntropy(out.logits, labels);
    const t = out.spinn?.transitionLogits;
    const classification = loss;
    if (t) loss = loss.add(crossEntropy(t.logits, t.targets).mul(setup.transitionLoss));
    return { loss, classification };
  }
  // REINFORCE: the tracker samples each sentence's transitions; a pair is rewarded 1 when it is
  // classified correctly, and both its sentences' decisions share the reward.
  const out = model.forward(batch, { policy: 'sample' });
  const ce = crossEntropy(out.logits, labels);
  const B = batch.size;
  const reward = noGrad(() => out.logits.argmax(1).eq(labels).float());
  const perPair = (x: Tensor) => x.narrow(0, 0, B).add(x.narrow(0, B, B));
  let baseline: MovingAverageBaseline | Tensor | undefined;
  if (setup.baseline === 'self-critical') {
    // The greedy trees' correctness on the same pairs, with the model as it evaluates (Rennie et al. 2017).
    model.eval();
    try {
      baseline = noGrad(() => model.forward(batch, { policy: 'greedy' }).logits.argmax(1).eq(labels).float());
    } finally {
      model.train();
    }
  } else if (setup.baseline !== 'none') {
    baseline = setup.baseline;
  }
  const spinn = out.spinn as SpinnOutput;
  const rl = reinforceLoss(perPair(spinn.logProb as Tensor), reward, {
    baseline,
    normalizeAdvantages: setup.normalizeAdvantages,
    entropy: perPair(spinn.entropy as Tensor),
    entropyCoef: setup.entropyCoef,
  });
  return { loss: ce.add(rl.loss.mul(setup.rlWeight)), classification: ce, reward };
}

/** Accuracy, loss and confusion matrix on some pairs, and the trees SPINN built for them. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  confusion: ConfusionMatrix;
  /** SPINN with its own transitions: tree statistics against the parser's trees. */
  trees?: Record<string, number>;
  /** Per pair (in the given order): predicted label, probabilities, and each sentence's transitions. */
  predictions?: { label: number; probs: number[]; premise: number[]; hypothesis: number[] }[];
}

/** The transitions a variant uses when it evaluates: the parser's, or its tracker's greedy choice. */
export function evalPolicy(variant: Variant): TransitionPolicy {
  return variant === 'spinn-rl' ? 'greedy' : 'given';
}

/** Evaluates the model (eval mode, no gradients) on pairs, in batches sorted by length. */
export async function evaluatePairs(
  model: NliClassifier,
  pairs: readonly EncodedPair[],
  options: { variant: Variant; batchSize: number; keepPredictions?: boolean },
): Promise<Evaluation> {
  return evaluate(model, async () => {
    const confusion = new ConfusionMatrix([...LABELS]);
    const trees = options.variant === 'spinn-rl' ? new TreeStats() : null;
    const predictions: NonNullable<Evaluation['predictions']> = options.keepPredictions
      ? new Array(pairs.length)
      : [];
    let nll = 0;
    for (const { batch, indices } of evalBatches(pairs, options.batchSize)) {
      const out = model.forward(batch, { policy: evalPolicy(options.variant) });
      nll += crossEntropy(out.logits, batch.labels!, { reduction: 'sum' }).itemSync();
      await confusion.addTensors(out.logits, batch.labels!);
      const B = batch.size;
      if (trees && out.spinn) {
        indices.forEach((k, i) => {
          trees.add(out.spinn!.transitions[i], pairs[k].premise.transitions);
          trees.add(out.spinn!.transitions[B + i], pairs[k].hypothesis.transitions);
        });
      }
      if (options.keepPredictions) {
        const probs = out.logits.softmax(1).arraySync() as number[][];
        indices.forEach((k, i) => {
          const p = probs[i];
          predictions[k] = {
            label: p.indexOf(Math.max(...p)),
            probs: p,
            premise: out.spinn?.transitions[i] ?? [],
            hypothesis: out.spinn?.transitions[B + i] ?? [],
          };
        });
      }
    }
    return {
      loss: nll / Math.max(1, pairs.length),
      accuracy: confusion.accuracy(),
      confusion,
      ...(trees ? { trees: trees.summary() } : {}),
      ...(options.keepPredictions ? { predictions } : {}),
    };
  });
}

/** The parser's trees (or left/right-branching ones) scored like a model's, for reference. */
export function referenceTreeStats(
  pairs: readonly EncodedPair[],
  trees: (n: number) => number[] | null,
): Record<string, number> {
  const stats = new TreeStats();
  for (const p of pairs) {
    for (const s of [p.premise, p.hypothesis]) stats.add(trees(s.ids.length) ?? s.transitions, s.transitions);
  }
  return stats.summary();
}
