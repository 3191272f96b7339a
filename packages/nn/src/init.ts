/**
 * Parameter initialisers with PyTorch's formulas (`torch.nn.init`). Each writes a new value into the
 * tensor in place (`Tensor.assign`, under `noGrad`) and returns it; the trailing underscore marks the
 * in-place write, as in PyTorch and as `requiresGrad_()` does in `@rnn/tensor`. Random initialisers
 * draw from `options.generator`, or from the default generator seeded by `manualSeed`.
 */
import {
  DTypeError,
  type Generator,
  noGrad,
  rand,
  randn,
  type Tensor,
  tensor,
  tidy,
  ValueError,
} from '@rnn/tensor';

/** Where random initialisers draw from. */
export interface InitOptions {
  /** A seeded generator; the default generator (`manualSeed`) otherwise. */
  generator?: Generator;
}

/** Nonlinearities known to {@link calculateGain} (PyTorch's names). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Which fan a Kaiming initialiser preserves: the forward pass's (`fanIn`) or the backward pass's (`fanOut`). */
export type FanMode = 'fanIn' | 'fanOut';

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear, conv
 * and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (`param` is the
 * negative slope, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || Number.isNaN(slope)) {
        throw new ValueError(`calculateGain: negative slope ${param} is not a valid number`);
      }
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * Fan-in and fan-out of a weight, as PyTorch computes them: for `[out, in, ...kernel]`,
 * `fanIn = in·∏kernel` and `fanOut = out·∏kernel`. Needs at least 2 dimensions.
 */
export function calculateFanInAndFanOut(shapeOrTensor: Tensor | readonly number[]): {
  fanIn: number;
  fanOut: number;
} {
  const shape = isTensorArg(shapeOrTensor) ? shapeOrTensor.shape : shapeOrTensor;
  if (shape.length < 2) {
    throw new ValueError(
      `fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got [${shape.join(', ')}]`,
    );
  }
  let receptive = 1;
  for (const d of shape.slice(2)) receptive *= d;
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function isTensorArg(v: Tensor | readonly number[]): v is Tensor {
  return (v as { isTensor?: unknown }).isTensor === true;
}

function checkTarget(op: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: can only initialise floating-point tensors, got ${t.dtype}`);
  }
}

/** Writes `make()` into `t` without recording gradients and without leaving temporaries. */
function write(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() =>
    tidy(() => {
      t.assign(make());
    }),
  );
  return t;
}

/** Fills `t` with samples of U(a, b) (defaults 0 and 1). */
export function uniform_(t: Tensor, options: InitOptions & { a?: number; b?: number } = {}): Tensor {
  checkTarget('uniform_', t);
  const a = options.a ?? 0;
  const b = options.b ?? 1;
  if (!(a <= b)) throw new ValueError(`uniform_: expected a <= b, got a=${a}, b=${b}`);
  return write(t, () =>
    rand(t.shape, { dtype: t.dtype, backend: t.backend, generator: options.generator })
      .mul(b - a)
      .add(a),
  );
}

/** Fills `t` with samples of N(mean, std²) (defaults 0 and 1). */
export function normal_(t: Tensor, options: InitOptions & { mean?: number; std?: number } = {}): Tensor {
  checkTarget('normal_', t);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!(std >= 0)) throw new ValueError(`normal_: std must be >= 0, got ${std}`);
  return write(t, () =>
    randn(t.shape, { dtype: t.dtype, backend: t.backend, generator: options.generator }).mul(std).add(mean),
  );
}

/** Fills `t` with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  return write(t, () => t.fullLike(value));
}

/** Fills `t` with zeros. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills `t` with ones. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Glorot/Xavier uniform: U(-a, a) with `a = gain·√(6 / (fanIn + fanOut))`
 * (`torch.nn.init.xavier_uniform_`).
 */
export function xavierUniform_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(t, { a: -a, b: a, generator: options.generator });
}

/** Glorot/Xavier normal: N(0, std²) with `std = gain·√(2 / (fanIn + fanOut))` (`torch.nn.init.xavier_normal_`). */
export function xavierNormal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, { mean: 0, std, generator: options.generator });
}

/** Options of the Kaiming initialisers (PyTorch's defaults). */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier after this layer (only for `leaky_relu`; default 0). */
  a?: number;
  /** `'fanIn'` (default) preserves the forward pass's variance, `'fanOut'` the backward pass's. */
  mode?: FanMode;
  /** The nonlinearity after this layer (default `'leaky_relu'`, as PyTorch). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new ValueError(`${op}: mode must be 'fanIn' or 'fanOut', got ${mode}`);
  const fans = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(-b, b) with `b = gain·√(3 / fan)` (`torch.nn.init.kaiming_uniform_`).
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, { a: -bound, b: bound, generator: options.generator });
}

/** He/Kaiming normal: N(0, std²) with `std = gain / √fan` (`torch.nn.init.kaiming_normal_`). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, { mean: 0, std: kaimingStd('kaimingNormal_', t, options), generator: options.generator });
}

/**
 * A (semi-)orthogonal matrix, as `torch.nn.init.orthogonal_`: the Q factor of the QR decomposition
 * of a standard normal matrix `[rows, numel / rows]`, with PyTorch's sign correction (columns of Q
 * multiplied by the signs of R's diagonal, which makes the result unique), times `gain`. The normal
 * draws come from the seeded generator, so the result is the same on every backend.
 */
export function orthogonal_(t: Tensor, options: InitOptions & { gain?: number } = {}): Tensor {
  checkTarget('orthogonal_', t);
  if (t.ndim < 2)
    throw new ValueError(
      `orthogonal_: only tensors with 2 or more dimensions are supported, got [${t.shape.join(', ')}]`,
    );
  if (t.size === 0) return t;
  const rows = t.shape[0];
  const cols = t.size / rows;
  const gain = options.gain ?? 1;
  // Draw on the CPU in float64: the same draws as on any backend, and exact QR arithmetic.
  const draws = tidy(() =>
    randn([rows, cols], { dtype: 'float64', backend: 'cpu', generator: options.generator }).dataSync(),
  );
  const q = orthogonalFromNormal(Float64Array.from(draws), rows, cols);
  for (let i = 0; i < q.length; i++) q[i] *= gain;
  return write(t, () => tensor(q, { dtype: t.dtype, backend: t.backend, shape: t.shape }));
}

/**
 * @internal The orthogonal matrix `[rows, cols]` PyTorch's `orthogonal_` makes from the normal draws
 * `a` (row-major `[rows, cols]`): QR of `a` (of `aᵀ` when rows < cols) by Householder reflections,
 * Q's columns scaled by sign(diag R), transposed back.
 */
export function orthogonalFromNormal(a: Float64Array, rows: number, cols: number): Float64Array {
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  // A is m×n (m >= n), row-major.
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (transpose) A[j * n + i] = a[i * cols + j];
      else A[i * n + j] = a[i * cols + j];
    }
  }
  const vs: Float64Array[] = [];
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += A[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = A[k * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = A[i * n + k];
    v[0] -= alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += v[i] * v[i];
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) for (let i = 0; i < v.length; i++) v[i] /= vnorm;
    vs.push(v);
    // A[k:, k:] -= 2 v (vᵀ A[k:, k:])
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * A[i * n + j];
      for (let i = k; i < m; i++) A[i * n + j] -= 2 * v[i - k] * dot;
    }
    diag[k] = A[k * n + k];
  }
  // Q (m×n) = H_0 · … · H_{n-1} · I[:, :n]
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * Q[i * n + j];
      for (let i = k; i < m; i++) Q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  // Sign correction: Q[:, j] *= sign(R[j, j]).
  for (let j = 0; j < n; j++) {
    const s = Math.sign(diag[j]);
    for (let i = 0; i < m; i++) Q[i * n + j] *= s;
  }
  if (!transpose) return Q;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * cols + i] = Q[i * n + j];
  return out;
}
