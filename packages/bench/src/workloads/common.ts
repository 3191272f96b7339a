import type { Tensor } from '@rnn/tensor';

/** One training workload: built once, then stepped (forward, backward, optimizer) repeatedly. */
export interface Workload {
  /** Runs one training step and returns its loss. */
  step(): number;
  /** Units processed per step (tokens, samples or pairs), for the throughput column. */
  readonly unitsPerStep: number;
  /** Frees the model, optimizer state and data. */
  dispose(): void;
}

/** A workload's description: its name, what the throughput counts, and how to build it. */
export interface WorkloadSpec<C> {
  /** `A`…`D`, as in the issue and the docs. */
  readonly id: string;
  readonly title: string;
  /** What `unitsPerStep` counts (`tokens`, `samples`, `pairs`). */
  readonly unit: string;
  /** Full-size configuration (the benchmark's shapes). */
  readonly full: C;
  /** A tiny configuration for smoke runs and unit tests. */
  readonly tiny: C;
  /** Synthetic data both frameworks use (lengths, trees), made from the config and a seed. */
  data(config: C, seed: number): unknown;
  /** Builds the model, optimizer and batch on the current (CPU) backend. */
  build(config: C, data: unknown): Workload;
}

/** mulberry32: a small seeded generator, so the synthetic data is the same in every run and for PyTorch. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in `[lo, hi]`. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** `count` random token ids in `[0, vocab)`. */
export function randomTokens(rand: () => number, count: number, vocab: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(rand() * vocab);
  return out;
}

/** Reads a 0-d loss tensor synchronously (CPU) and frees it. */
export function readLoss(loss: Tensor): number {
  const v = loss.itemSync();
  loss.dispose();
  return v;
}
