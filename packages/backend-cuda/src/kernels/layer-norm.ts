import { type FusedKernel, type LayerNormAttrs, sizeOf, type TensorSpec } from '@rnn/tensor/backend';
import type { CudaContext } from '../device/context';
import { ptrOf, ptrOrNull } from '../device/storage';
import { alloc } from './elementwise';
import { FLOAT_DTYPES, perDtype, pick } from './spec';

const FORWARD = perDtype('layer_norm', 'layer_norm_forward', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
  'f64',
]);
const BACKWARD = perDtype('layer_norm', 'layer_norm_backward', FLOAT_DTYPES, [
  'ptr',
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
const PARAMS = perDtype('layer_norm', 'layer_norm_params', FLOAT_DTYPES, [
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'ptr',
  'i32',
  'i32',
]);

function rowsOf(x: TensorSpec, a: LayerNormAttrs): [number, number] {
  const d = sizeOf(x.shape.slice(x.shape.length - a.normalizedDims));
  return [d === 0 ? 0 : sizeOf(x.shape) / d, d];
}

const threadsFor = (d: number) => (d <= 64 ? 32 : d <= 512 ? 128 : 256);

/** Layer norm: a block per row forward and backward, a thread per column for dweight / dbias. */
export function layerNorm(ctx: CudaContext): FusedKernel<LayerNormAttrs> {
  return {
    forward(inputs, a) {
      const x = inputs[0];
      const w = a.hasWeight ? inputs[1] : null;
      const b = a.hasBias ? inputs[a.hasWeight ? 2 : 1] : null;
      const [rows, d] = rowsOf(x, a);
      const y = alloc(ctx, x.dtype, rows * d, 'layerNorm');
      const mean = alloc(ctx, x.dtype, rows, 'layerNorm');
      const rstd = alloc(ctx, x.dtype, rows, 'layerNorm');
      if (rows > 0) {
        ctx.launch(
          pick(FORWARD, x.dtype, 'layerNorm'),
          [Math.min(rows, 65535), 1, 1],
          [threadsFor(d), 1, 1],
          [y.ptr, mean.ptr, rstd.ptr, ptrOf(x), ptrOrNull(w), ptrOrNull(b), rows, d, a.eps],
        );
      }
      return [y, mean, rstd];
    },
    backward(inputs, outputs, grads, a) {
      const x = inputs[0];
      const w = a.hasWeight ? inputs[1] : null;
      const [rows, d] = rowsOf(x, a);
      const [gy, gMean, gRstd] = grads;
      const dx = alloc(ctx, x.dtype, rows * d, 'layerNorm');
      if (rows > 0) {
        ctx.launch(
          pick(BACKWARD, x.dtype, 'layerNorm'),
          [Math.min(rows, 65535), 1, 1],
          [threadsFor(d), 1, 1],
          [
            dx.ptr,
            ptrOf(x),
            ptrOrNull(w),
            ptrOf(outputs[1]),
            ptrOf(outputs[2]),
            ptrOrNull(gy),
            ptrOrNull(gMean),
            ptrOrNull(gRstd),
            rows,
            d,
          ],
        );
      }
      const dw = a.hasWeight ? alloc(ctx, x.dtype, d, 'layerNorm') : null;
      const db = a.hasBias ? alloc(ctx, x.dtype, d, 'layerNorm') : null;
      if (dw || db) {
        if (gy && rows > 0) {
          ctx.run(pick(PARAMS, x.dtype, 'layerNorm'), d, [
            dw ? dw.ptr : 0,
            db ? db.ptr : 0,
            ptrOf(x),
            ptrOf(outputs[1]),
            ptrOf(outputs[2]),
            ptrOf(gy),
            rows,
            d,
          ]);
        } else {
          const e = x.dtype === 'float64' ? 8 : 4;
          if (dw) ctx.memset8(dw.ptr, 0, d * e);
          if (db) ctx.memset8(db.ptr, 0, d * e);
        }
      }
      const out = [dx, ...(a.hasWeight ? [dw] : []), ...(a.hasBias ? [db] : [])];
      return out;
    },
  };
}
