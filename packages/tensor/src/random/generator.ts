import { processWide } from '../engine/process-state';
import { ValueError } from '../errors';

/** A snapshot of a generator, for checkpoints: restoring it replays the same numbers. */
export interface RngState {
  seed: number;
  /** Philox blocks consumed so far. */
  offset: number;
}

/**
 * A seeded counter-based random generator (Philox-4x32-10). It holds only a key and an offset:
 * each random tensor reserves `ceil(n / 4)` blocks, so results do not depend on the backend.
 */
export class Generator {
  private _seed = 0;
  private _key: [number, number] = [0, 0];
  private _offset = 0;

  constructor(seed = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** Resets the generator to `seed` (a non-negative integer below 2^53). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new ValueError(`manualSeed: the seed must be a non-negative safe integer, got ${seed}`);
    }
    this._seed = seed;
    this._key = [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
    this._offset = 0;
    return this;
  }

  /** The seed given to the constructor or the last `manualSeed`. */
  get seed(): number {
    return this._seed;
  }

  /** The Philox key: the seed's low and high 32 bits. */
  get key(): readonly [number, number] {
    return this._key;
  }

  /** Reserves the blocks for `n` values and returns the first block's counter. */
  reserve(n: number): number {
    const start = this._offset;
    this._offset += Math.ceil(n / 4);
    return start;
  }

  /** A snapshot (seed and blocks consumed), for checkpoints. */
  getState(): RngState {
    return { seed: this._seed, offset: this._offset };
  }

  /**
   * Restores a snapshot from `getState`: the numbers drawn next are those drawn after it was taken.
   * A `ValueError` for an invalid seed or offset.
   */
  setState(state: RngState): this {
    this.manualSeed(state.seed);
    if (!Number.isSafeInteger(state.offset) || state.offset < 0) {
      throw new ValueError(`setState: invalid offset ${state.offset}`);
    }
    this._offset = state.offset;
    return this;
  }
}

/** PyTorch's default seed, so a program that never seeds is still reproducible. */
const DEFAULT_SEED = 67280421310721;

/** The generator used when an op is given none (one per process, shared by every copy of the package). */
export const defaultGenerator: Generator = processWide('defaultGenerator/v1', () => new Generator());

/** Seeds the default generator: the same seed gives the same numbers on every backend and run. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/** State of the default generator (for checkpoints). */
export function getRngState(): RngState {
  return defaultGenerator.getState();
}

/** Restores the default generator's state. */
export function setRngState(state: RngState): void {
  defaultGenerator.setState(state);
}
