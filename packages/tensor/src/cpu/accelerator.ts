import { processWide } from '../engine/process-state';

/**
 * Native kernels that a Node-only package (such as `@rnn/cpu-native`) can plug into the built-in CPU
 * backend. `@rnn/tensor` itself stays free of native code and runs in browsers: with nothing plugged in
 * (the default), every CPU kernel is plain JavaScript. The hook is process-wide, so every CPU backend
 * instance uses the kernels once they are set.
 */
export interface CpuAccelerator {
  /** Short description for reports, e.g. `"cpu-native avx512 x2 threads"`. */
  readonly name: string;
  /**
   * Row-major single-precision GEMM: `C[m, n] = alpha · op(A) · op(B) + beta · C`, where `op(A)` is
   * `A` (`[m, k]`, leading dimension `lda`) or, with `transA`, `Aᵀ` of `A [k, m]`; likewise for `B`.
   * Operands start at the given element offsets of their arrays; `c` is written in place.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    offA: number,
    lda: number,
    b: Float32Array,
    offB: number,
    ldb: number,
    beta: number,
    c: Float32Array,
    offC: number,
    ldc: number,
  ): void;
  /**
   * Optional: one LSTM time step's gate pass over `bs` rows (PyTorch's gate order i, f, g, o), on
   * float32 arrays with element offsets. Pre-activations are `xw[bs, 4H] + hh[bs, 4H]`; `c[bs, H]` is
   * updated in place; writes the workspace `ws[bs, 5H]` = (i, f, g, o, c'), and h' to both `h[bs, H]`
   * and `y[bs, H]`. The fused `rnnLayer` kernel uses it for LSTM layers without projection.
   */
  lstmStep?(
    bs: number,
    H: number,
    xw: Float32Array,
    xwOff: number,
    hh: Float32Array,
    hhOff: number,
    c: Float32Array,
    cOff: number,
    ws: Float32Array,
    wsOff: number,
    h: Float32Array,
    hOff: number,
    y: Float32Array,
    yOff: number,
  ): void;
  /**
   * Optional: the backward of one LSTM step over `bs` rows. `ws` (from `wsOff`) holds the step's
   * rows (i, f, g, o, c'); rows `j < prevRows` started from the cell state `c'` of row `j` of `prevWs`
   * (from `prevWsOff`), the others from `c0[j]`. Reads `dh[bs, H]` (from `dhOff`) and `dc[bs, H]`,
   * updates `dc` in place to the gradient of the previous cell state, writes the gate gradients
   * `dg[bs, 4H]` (from `dgOff`).
   */
  lstmBackwardStep?(
    bs: number,
    H: number,
    ws: Float32Array,
    wsOff: number,
    prevWs: Float32Array,
    prevWsOff: number,
    prevRows: number,
    c0: Float32Array,
    dh: Float32Array,
    dhOff: number,
    dc: Float32Array,
    dg: Float32Array,
    dgOff: number,
  ): void;
  /**
   * Optional: per-row cross-entropy of float32 logits `[n, c]` against int32 targets in `[0, c)`:
   * `loss[r] = logsumexp(x_r) − x_r[t_r]`. Used by the fused `softmaxCrossEntropy` kernel.
   */
  softmaxXent?(n: number, c: number, logits: Float32Array, target: Int32Array, loss: Float32Array): void;
  /** Optional: its gradient, `dx[r, j] = (softmax(x_r)_j − [j = t_r]) · gy[r]`. */
  softmaxXentBackward?(
    n: number,
    c: number,
    logits: Float32Array,
    target: Int32Array,
    gy: Float32Array,
    dx: Float32Array,
  ): void;
  /**
   * Optional: the plain Adam update (no weight decay, AMSGrad or maximize) of `n` float32 elements:
   * `m1 = β1·m + (1−β1)·g`, `v1 = β2·v + (1−β2)·g²`, `p1 = p − stepSize · m1 / (√v1 / bias2Sqrt + eps)`.
   */
  adam?(
    n: number,
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    p1: Float32Array,
    m1: Float32Array,
    v1: Float32Array,
    beta1: number,
    beta2: number,
    stepSize: number,
    bias2Sqrt: number,
    eps: number,
  ): void;
  /**
   * Optional: `torch.optim.SGD`'s update of `n` float32 elements (`sign` −1 maximizes); `buf`/`buf1`
   * (the momentum buffer in and out) are ignored when `momentum` is 0.
   */
  sgd?(
    n: number,
    p: Float32Array,
    g: Float32Array,
    buf: Float32Array,
    p1: Float32Array,
    buf1: Float32Array,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    sign: number,
    firstStep: boolean,
    nesterov: boolean,
  ): void;
  /**
   * Optional: `n` uniform float32 numbers from Philox-4x32-10 under key `(k0, k1)` from block
   * `counter`, bit for bit as the CPU backend's own generator (see `Backend.random`).
   */
  philoxUniform?(n: number, counter: number, k0: number, k1: number, out: Float32Array): void;
  /** Optional: `out = a op b` over `n` float32 elements of same-shape operands (op 0 add, 1 sub, 2 mul, 3 div). */
  binary?(op: number, n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /**
   * Optional: a same-op broadcast of one row of `n` over `rows` rows (ops as `binary`): with
   * `rowOperand` 1, `out[r, j] = a[r, j] op b[j]`; with 0, `out[r, j] = a[j] op b[r, j]`.
   */
  binaryRows?(
    op: number,
    rows: number,
    n: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    rowOperand: 0 | 1,
  ): void;
  /**
   * Optional: `out = op(x)` over `n` float32 elements, computed in double and rounded once like the
   * JavaScript kernels (op 0 tanh, 1 sigmoid, 2 exp); NaN stays NaN.
   */
  unary?(op: number, n: number, x: Float32Array, out: Float32Array): void;
  /**
   * Optional: an activation's gradient from its output `y` and the incoming gradient `g` over `n`
   * float32 elements, in double: op 0 tanh `g·(1 − y²)`, op 1 sigmoid `g·y·(1 − y)`.
   */
  unaryGrad?(op: number, n: number, y: Float32Array, g: Float32Array, out: Float32Array): void;
  /**
   * Optional: concatenation of float32 arrays: for each of `outer` rows, the row of each part in turn
   * (`blocks[k]` elements of `parts[k]`, whose length is `outer · blocks[k]`) into `out`. `blocks` has
   * at least `parts.length` entries (a reused buffer may be longer); at most 64 parts.
   */
  concat?(outer: number, parts: readonly Float32Array[], blocks: Float64Array, out: Float32Array): void;
  /**
   * Optional: `x [outer, r, inner]` summed over its middle axis into `out [outer, inner]`, each sum
   * accumulated in double in the order of `r` and rounded once (the JavaScript kernel's results, bit
   * for bit). The `sum` reduction of float32 tensors over contiguous axes uses it (bias gradients).
   */
  sumMiddle?(outer: number, r: number, inner: number, x: Float32Array, out: Float32Array): void;
  /** Optional: `out[outOff + i·cols + j] = x[xOff + i + j·colStride]`, a `rows × cols` transposed copy. */
  transpose?(
    rows: number,
    cols: number,
    x: Float32Array,
    xOff: number,
    colStride: number,
    out: Float32Array,
    outOff: number,
  ): void;
  /**
   * Optional: a strided copy into contiguous `out`, `out[idx] = x[offset + Σ idx_d · strides_d]`;
   * `desc` starts with `[rank, offset, ...shape, ...strides]` (rank ≤ 8, strides in elements, any sign).
   */
  strided?(desc: Float64Array, x: Float32Array, out: Float32Array): void;
  /** Optional: rows of `x [outer, n, inner]` picked by `index` (length `m`) into `out [outer, m, inner]`. */
  indexSelect?(
    outer: number,
    n: number,
    inner: number,
    x: Float32Array,
    index: Int32Array,
    m: number,
    out: Float32Array,
  ): void;
  /** Optional: `out [outer, n, inner] += src [outer, m, inner]` scattered to the rows `index`. */
  indexAdd?(
    outer: number,
    n: number,
    inner: number,
    index: Int32Array,
    m: number,
    src: Float32Array,
    out: Float32Array,
  ): void;
}

/** Below this many elements a native call costs more than the JavaScript loop it replaces. */
export const NATIVE_MIN_ELEMENTS = 1024;

// Process-wide (see `processWide`): every copy of the package and every CPU backend instance use it.
const hook = processWide('cpuAccelerator/v1', () => ({ current: null as CpuAccelerator | null }));

/**
 * Plugs native kernels into the CPU backend (or removes them with `null`); returns the previous ones.
 * Float32 matmuls (including those inside the fused `rnnLayer` kernel) then run on `acc.sgemm`;
 * float64 keeps the JavaScript kernels.
 *
 * @example
 * ```ts
 * import { setCpuAccelerator } from '@rnn/tensor';
 * import { loadCpuNative } from '@rnn/cpu-native';
 * setCpuAccelerator(loadCpuNative()); // null where the addon cannot load: the pure path stays
 * ```
 */
export function setCpuAccelerator(acc: CpuAccelerator | null): CpuAccelerator | null {
  const previous = hook.current;
  hook.current = acc;
  return previous;
}

/** The native kernels in use by the CPU backend, or `null` for the pure JavaScript kernels. */
export function getCpuAccelerator(): CpuAccelerator | null {
  return hook.current;
}
