import type { RandomKind } from '../backend/backend';
import { isFloat } from '../dtype';
import { DTypeError, ValueError } from '../errors';
import { defaultGenerator, type Generator } from '../random/generator';
import { checkShape } from '../shape';
import { checkDTypeSupported, fromStorage, type Tensor } from '../tensor';
import { type CreateOptions, resolveBackend, zerosLike } from './creation';
import { add, cast, clamp, mul } from './elementwise';

/** Creation options for random tensors. */
export interface RandomOptions extends CreateOptions {
  /** Generator to draw from; the default (seeded by `manualSeed`) otherwise. */
  generator?: Generator;
}

function random(kind: RandomKind, shape: readonly number[], options: RandomOptions): Tensor {
  checkShape(kind === 'uniform' ? 'rand' : 'randn', shape);
  const dtype = options.dtype ?? 'float32';
  if (!isFloat(dtype))
    throw new DTypeError(
      `${kind === 'uniform' ? 'rand' : 'randn'}: dtype must be floating-point, got ${dtype}`,
    );
  const backend = resolveBackend(options.backend);
  checkDTypeSupported(backend, dtype, kind === 'uniform' ? 'rand' : 'randn');
  const gen = options.generator ?? defaultGenerator;
  let n = 1;
  for (const d of shape) n *= d;
  const counter = gen.reserve(n);
  const t = fromStorage(backend, backend.random(kind, shape, dtype, gen.key, counter), shape, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random('uniform', shape, options);
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random('normal', shape, options);
}

/** Uniform integers in [low, high) (int32). */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions = {},
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  const range = high - low;
  const u = rand(shape, { ...options, dtype: 'float32', requiresGrad: false });
  // Truncation of a non-negative value is floor; the clamp guards against float rounding up to `range`.
  const ints = cast(clamp(mul(u, range), 0, range - 1), 'int32');
  return low === 0 ? ints : add(ints, low);
}

/** Uniform samples in [0, 1) with `t`'s shape, dtype and backend. */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return rand(t.shape, { dtype: t.dtype, backend: t.backend, ...options });
}

/** Standard normal samples with `t`'s shape, dtype and backend. */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randn(t.shape, { dtype: t.dtype, backend: t.backend, ...options });
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`.
 * An identity when not `training` or when `p` is 0. The mask comes from the seeded generator.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: p must be in [0, 1], got ${p}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`dropout: expected a floating-point tensor, got ${x.dtype}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, zerosLike(x));
  const u = rand(x.shape, { dtype: x.dtype, backend: x.backend, generator });
  const keep = cast(u.lt(1 - p), x.dtype);
  return mul(x, mul(keep, 1 / (1 - p)));
}
