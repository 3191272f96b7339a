import type { FusedKernel, NoAttrs, Storage } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { ptrOf, ptrOrNull } from '../device/storage';
import { activationGrad, alloc } from './elementwise';
import { FLOAT_DTYPES, perDtype, pick } from './spec';

const XENT_FORWARD = perDtype('fused', 'xent_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'ptr',
  'i32',
]);
const XENT_BACKWARD = perDtype('fused', 'xent_backward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'ptr',
  'i32',
]);
const LSTM_CELL_FORWARD = perDtype('fused', 'lstm_cell_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);
const LSTM_CELL_BACKWARD = perDtype('fused', 'lstm_cell_backward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);

const rowThreads = (c: number) => (c <= 256 ? 32 : 256);

/** Softmax cross-entropy: a block per row (log-sum-exp, then the loss); backward (softmax − onehot)·g. */
export function softmaxCrossEntropy(ctx: CudaContext): FusedKernel<NoAttrs> {
  return {
    forward([logits, target]) {
      const [n, c] = logits.shape;
      const out = alloc(ctx, logits.dtype, n, 'softmaxCrossEntropy');
      const flag = ctx.indexFlag;
      if (n > 0) {
        ctx.launch(
          pick(XENT_FORWARD, logits.dtype, 'softmaxCrossEntropy'),
          [Math.min(n, 65535), 1, 1],
          [rowThreads(c), 1, 1],
          [
            out.ptr,
            ptrOf(logits),
            ptrOf(target),
            n,
            c,
            flag.bind(),
            flag.site('softmaxCrossEntropy', 'target'),
          ],
        );
      }
      return [out];
    },
    backward([logits, target], _outputs, [g]) {
      const [n, c] = logits.shape;
      const dx = alloc(ctx, logits.dtype, n * c, 'softmaxCrossEntropy');
      const flag = ctx.indexFlag;
      if (n > 0 && g) {
        ctx.launch(
          pick(XENT_BACKWARD, logits.dtype, 'softmaxCrossEntropy'),
          [Math.min(n, 65535), 1, 1],
          [rowThreads(c), 1, 1],
          [
            dx.ptr,
            ptrOf(logits),
            ptrOf(target),
            ptrOf(g),
            n,
            c,
            flag.bind(),
            flag.site('softmaxCrossEntropy', 'target'),
          ],
        );
      } else if (n > 0) {
        ctx.memset8(dx.ptr, 0, n * c * (logits.dtype === 'float64' ? 8 : 4));
      }
      return [dx, null];
    },
  };
}

/** The LSTM cell's gate math: gates `[B, 4H]` (i, f, g, o) and `c` `[B, H]` → `h'`, `c'`. */
export function lstmCell(ctx: CudaContext): FusedKernel<NoAttrs> {
  return {
    forward([gates, cPrev]) {
      const [b, h] = cPrev.shape;
      const hOut = alloc(ctx, cPrev.dtype, b * h, 'lstmCell');
      const cOut = alloc(ctx, cPrev.dtype, b * h, 'lstmCell');
      ctx.run(pick(LSTM_CELL_FORWARD, cPrev.dtype, 'lstmCell'), b * h, [
        hOut.ptr,
        cOut.ptr,
        ptrOf(gates),
        ptrOf(cPrev),
        b,
        h,
      ]);
      return [hOut, cOut];
    },
    backward([gates, cPrev], [, cNext], [gH, gC]) {
      const [b, h] = cPrev.shape;
      const dz = alloc(ctx, gates.dtype, b * 4 * h, 'lstmCell');
      const dc = alloc(ctx, cPrev.dtype, b * h, 'lstmCell');
      ctx.run(pick(LSTM_CELL_BACKWARD, cPrev.dtype, 'lstmCell'), b * h, [
        dz.ptr,
        dc.ptr,
        ptrOf(gates),
        ptrOf(cPrev),
        ptrOf(cNext),
        ptrOrNull(gH),
        ptrOrNull(gC),
        b,
        h,
      ]);
      return [dz, dc];
    },
  };
}

/** `tanhGrad` / `sigmoidGrad` (no gradient of their own: the composite's is used if ever needed). */
export function activationGradKernel(ctx: CudaContext, kind: 'tanh' | 'sigmoid'): FusedKernel<NoAttrs> {
  return { forward: ([y, g]): Storage[] => [activationGrad(ctx, kind, y, g)] };
}
