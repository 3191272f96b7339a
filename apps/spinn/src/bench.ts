import { Adam, clipGradNorm } from '@rnn/nn';
import { manualSeed } from '@rnn/tensor';
import { collatePairs, type EncodedPair } from './data';
import { NliClassifier, type NliConfig } from './model/classifier';
import { batchLoss, type Variant } from './training';

/** Throughput of one way of training. */
export interface Throughput {
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
}

/** What {@link benchThroughput} measured. */
export interface BenchResult {
  batched: Throughput & { batchSize: number };
  single: Throughput;
  /** Batched pairs/s over one-at-a-time pairs/s. */
  ratio: number;
}

/**
 * Training throughput of the same model on the same pairs, batched (`batchSize` pairs per step:
 * one tracker and one Reduce call per transition step for all of them) against one pair per step
 * (the unbatched SPINN of the original implementation, or of Yogatama et al.'s batch size 1).
 * Each step is a full training step: forward, loss, backward, gradient clipping, Adam. The pairs are
 * taken in file order, the same ones on both sides (the single side times the first `singles`).
 */
export async function benchThroughput(o: {
  pairs: readonly EncodedPair[];
  config: NliConfig;
  variant: Variant;
  batchSize: number;
  batches: number;
  singles: number;
  seed: number;
  log?: (line: string) => void;
}): Promise<BenchResult> {
  const setup = {
    variant: o.variant,
    transitionLoss: 0,
    rlWeight: 1,
    baseline: 'none' as const,
    normalizeAdvantages: false,
    entropyCoef: 0.01,
  };
  const time = (groups: EncodedPair[][]): Throughput => {
    manualSeed(o.seed);
    const model = new NliClassifier(o.config);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const step = (pairs: EncodedPair[]) => {
      const batch = collatePairs(pairs);
      optimizer.zeroGrad();
      const { loss } = batchLoss(model, batch, setup);
      loss.backward();
      clipGradNorm(model.parameters(), 5);
      optimizer.step();
      loss.itemSync();
    };
    step(groups[0]); // warm-up: first-touch allocations, JIT
    const t0 = performance.now();
    let pairs = 0;
    for (const g of groups.slice(1)) {
      step(g);
      pairs += g.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    model.dispose();
    return { pairs, seconds, pairsPerSecond: pairs / seconds };
  };
  const need = (o.batches + 1) * o.batchSize;
  if (o.pairs.length < Math.max(need, o.singles + 1)) {
    o.log?.(`note: only ${o.pairs.length} pairs; batches and single pairs repeat them`);
  }
  const take = (n: number) => Array.from({ length: n }, (_, i) => o.pairs[i % o.pairs.length]);
  const batchedPairs = take(need);
  const batchGroups = Array.from({ length: o.batches + 1 }, (_, b) =>
    batchedPairs.slice(b * o.batchSize, (b + 1) * o.batchSize),
  );
  const batched = time(batchGroups);
  o.log?.(`batched: ${batched.pairs} pairs in ${batched.seconds.toFixed(2)} s`);
  const single = time(take(o.singles + 1).map((p) => [p]));
  o.log?.(`one at a time: ${single.pairs} pairs in ${single.seconds.toFixed(2)} s`);
  return {
    batched: { ...batched, batchSize: o.batchSize },
    single,
    ratio: batched.pairsPerSecond / single.pairsPerSecond,
  };
}
