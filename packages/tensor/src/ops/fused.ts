import { isGradEnabled } from '../autograd/grad-mode';
import type { FusedKernel } from '../backend/backend';
import type { FusedOpName } from '../backend/fused/attrs';
import type { DType } from '../dtype';
import { processWide } from '../engine/process-state';
import { DTypeError, fmtShape, ShapeError } from '../errors';
import type { Shape } from '../shape';
import { fromStorage, recordMany, sameBackend, type Tensor } from '../tensor';
import { add, mul, neg, sigmoid, tanh } from './elementwise';
import { gather } from './indexing';
import { chunk, squeeze, unsqueeze } from './shape';
import { logSoftmax } from './softmax';

/**
 * A fused op: one name in the backend contract, a composite made of ordinary ops (so every backend
 * has it, with autograd for free), and the shapes of its outputs. When the backend brings a kernel
 * of that name it runs instead; its backward, if it has one, replaces the composite gradient.
 */
export interface FusedOp {
  /** The name a backend's kernel is registered under (`Backend.fused`). */
  readonly name: FusedOpName;
  /** The op written with ordinary ops: what runs where the backend has no kernel (autograd included). */
  composite(inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>): Tensor[];
  /** The shapes and dtypes of the outputs, for wrapping the storage a kernel returns. */
  outputs(
    inputs: readonly Tensor[],
    attrs: Readonly<Record<string, unknown>>,
  ): { shape: Shape; dtype: DType }[];
}

const fusedSwitch = processWide('fusedKernels/v1', () => ({ enabled: true }));

/**
 * Runs `fn` with the backends' fused kernels switched off (composites only). The conformance suite
 * uses it to check each fused kernel against its composite.
 */
export function withoutFusedKernels<T>(fn: () => T): T {
  const prev = fusedSwitch.enabled;
  fusedSwitch.enabled = false;
  try {
    return fn();
  } finally {
    fusedSwitch.enabled = prev;
  }
}

/** Runs a fused op: the backend's kernel when it has one that fits, else the composite. */
export function runFused(
  op: FusedOp,
  inputs: readonly Tensor[],
  attrs: Readonly<Record<string, unknown>> = {},
): Tensor[] {
  const backend = sameBackend(op.name, inputs);
  const kernel = (fusedSwitch.enabled ? backend.fused?.[op.name] : undefined) as FusedKernel | undefined;
  const needsGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  if (!kernel || (needsGrad && !kernel.backward)) return op.composite(inputs, attrs);
  const specs = op.outputs(inputs, attrs);
  const outs = kernel
    .forward(inputs, attrs)
    .map((s, i) => fromStorage(backend, s, specs[i].shape, specs[i].dtype));
  recordMany(op.name, inputs, outs, (grads) =>
    kernel.backward!(inputs, outs, grads, attrs).map((s, i) =>
      s ? fromStorage(backend, s, inputs[i].shape, inputs[i].dtype) : null,
    ),
  );
  return outs;
}

// ------------------------------------------------------------------ softmax cross-entropy

/** Per-row `-log_softmax(logits)[target]` for logits `[N, C]` and int32 targets `[N]`. */
export const softmaxCrossEntropyOp: FusedOp = {
  name: 'softmaxCrossEntropy',
  composite([logits, target]) {
    const logp = logSoftmax(logits, 1);
    return [neg(squeeze(gather(logp, 1, unsqueeze(target, 1)), 1))];
  },
  outputs([logits]) {
    return [{ shape: [logits.shape[0]], dtype: logits.dtype }];
  },
};

/**
 * Numerically stable cross-entropy per sample, fused where the backend can: `logits` `[N, C]`,
 * `target` int32 `[N]` with values in `[0, C)`. Returns the `[N]` losses (reduce them yourself).
 */
export function softmaxCrossEntropy(logits: Tensor, target: Tensor): Tensor {
  if (logits.ndim !== 2)
    throw new ShapeError(`softmaxCrossEntropy: logits must be [N, C], got ${fmtShape(logits.shape)}`);
  if (target.dtype !== 'int32')
    throw new DTypeError(`softmaxCrossEntropy: target must be int32, got ${target.dtype}`);
  if (target.ndim !== 1 || target.shape[0] !== logits.shape[0]) {
    throw new ShapeError(
      `softmaxCrossEntropy: target must be [${logits.shape[0]}] to match logits ${fmtShape(logits.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
  checkTargets(target, logits.shape[1]);
  return runFused(softmaxCrossEntropyOp, [logits, target])[0];
}

function checkTargets(target: Tensor, classes: number): void {
  const read = target.backend.readSync;
  if (!read) return;
  const data = read.call(target.backend, target.storage, 'int32', target.size);
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= classes) {
      throw new ShapeError(
        `softmaxCrossEntropy: target ${data[i]} at position ${i} is out of range for ${classes} classes`,
      );
    }
  }
}

// ------------------------------------------------------------------ LSTM cell (gate math)

/**
 * The pointwise part of an LSTM step, gates in PyTorch's order (i, f, g, o):
 * `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')`, from pre-activations `gates` `[B, 4H]`.
 */
export const lstmCellOp: FusedOp = {
  name: 'lstmCell',
  composite([gates, c]) {
    const [gi, gf, gg, go] = chunk(gates, 4, 1);
    const cNext = add(mul(sigmoid(gf), c), mul(sigmoid(gi), tanh(gg)));
    const hNext = mul(sigmoid(go), tanh(cNext));
    return [hNext, cNext];
  },
  outputs([, c]) {
    return [
      { shape: c.shape, dtype: c.dtype },
      { shape: c.shape, dtype: c.dtype },
    ];
  },
};

/** LSTM pointwise step: returns `[h', c']` from gate pre-activations `[B, 4H]` and cell state `[B, H]`. */
export function lstmCell(gates: Tensor, c: Tensor): [Tensor, Tensor] {
  if (
    c.ndim !== 2 ||
    gates.ndim !== 2 ||
    gates.shape[0] !== c.shape[0] ||
    gates.shape[1] !== 4 * c.shape[1]
  ) {
    throw new ShapeError(
      `lstmCell: gates must be [B, 4H] and c [B, H], got gates ${fmtShape(gates.shape)} and c ${fmtShape(c.shape)}`,
    );
  }
  if (gates.dtype !== c.dtype) throw new DTypeError(`lstmCell: gates are ${gates.dtype} but c is ${c.dtype}`);
  const [h, cNext] = runFused(lstmCellOp, [gates, c]);
  return [h, cNext];
}
