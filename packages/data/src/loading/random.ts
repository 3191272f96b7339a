import { defaultGenerator, Generator, philox4x32, type RngState, ValueError } from '@rnn/tensor';

/**
 * A snapshot of a {@link SeededRandom}: its generator's state and the words of the current block
 * not yet used, so that restoring it replays exactly the same draws. Plain JSON.
 */
export interface SeededRandomState {
  generator: RngState;
  /** The current Philox block (four 32-bit words). */
  block: number[];
  /** How many words of `block` were used (4: none left). */
  used: number;
}

/**
 * Integers and permutations drawn from an `@rnn/tensor` {@link Generator} (Philox-4x32-10), on
 * the host: each block of four 32-bit words is reserved from the generator as a random tensor of
 * four elements would be, so shuffles are reproducible from the seed and advance the generator's
 * state (saved in checkpoints with `getState()`).
 */
export class SeededRandom {
  /** The generator the words are reserved from. */
  readonly generator: Generator;
  private readonly block = new Uint32Array(4);
  private used = 4;

  /** A generator, a seed (a new `Generator(seed)`), or the default generator (seeded by `manualSeed`). */
  constructor(source?: Generator | number) {
    this.generator =
      source === undefined ? defaultGenerator : typeof source === 'number' ? new Generator(source) : source;
  }

  /** A snapshot of the draws so far (see {@link SeededRandomState}). */
  getState(): SeededRandomState {
    return { generator: this.generator.getState(), block: Array.from(this.block), used: this.used };
  }

  /** Restores a {@link getState} snapshot: the next draws are those that followed it. */
  setState(state: SeededRandomState): void {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      Array.isArray(state.block) &&
      state.block.length === 4 &&
      state.block.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      Number.isInteger(state.used) &&
      state.used >= 0 &&
      state.used <= 4;
    if (!ok) {
      throw new ValueError(
        `SeededRandom.setState: expected { generator, block: 4 uint32 words, used: 0..4 }, got ${JSON.stringify(state)}`,
      );
    }
    this.generator.setState(state.generator);
    this.block.set(state.block);
    this.used = state.used;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    if (this.used === 4) {
      const counter = this.generator.reserve(4);
      const [k0, k1] = this.generator.key;
      philox4x32(counter, k0, k1, this.block);
      this.used = 0;
    }
    return this.block[this.used++];
  }

  /** A uniform integer in `[0, n)` (rejection sampling, so no modulo bias). `n` up to 2^32. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new ValueError(`SeededRandom.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) {
      const w = this.nextUint32();
      if (w < limit) return w % n;
    }
  }

  /** A uniform float in `[0, 1)` with 24 bits, as `rand` computes it. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) * 2 ** -24;
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of `0..n-1`. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
