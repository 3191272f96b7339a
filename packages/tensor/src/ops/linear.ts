import { noGradSync } from '../autograd/grad-mode';
import type { TensorSpec } from '../backend/backend';
import { promoteTypes } from '../dtype';
import { DTypeError, fmtShape, ShapeError } from '../errors';
import { sizeOf } from '../shape';
import { fromStorage, record, sameBackend, type Tensor } from '../tensor';
import { add, cast } from './elementwise';

/** A view of `t`'s storage with another shape of the same size (no tensor, no reference count). */
function view(t: Tensor, shape: readonly number[]): TensorSpec {
  return { storage: t.storage, shape, dtype: t.dtype };
}

/**
 * `y = x Wᵀ + b`, as `torch.nn.functional.linear`: `x` is `[..., in]`, `weight` `[out, in]`, `bias`
 * `[out]` (optional); the result is `[..., out]`. The product runs as one backend `matmul` over the
 * flattened leading dimensions with the weight read transposed in place (`transB`), so `Wᵀ` is never
 * materialized; the backward uses the transpose flags too: `dx = dy · W`, `dW = dyᵀ · x` (summed over
 * the leading dimensions), `db = Σ dy`.
 *
 * @param x - input `[..., in]` (at least 1-D)
 * @param weight - `[out, in]`
 * @param bias - `[out]`, or omitted / `null`
 * @returns `[..., out]` in the promoted dtype of the operands
 * @throws ShapeError when the shapes do not fit; DTypeError for bool or mixed int32 operands
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const backend = sameBackend('linear', inputs);
  if (weight.ndim !== 2) {
    throw new ShapeError(`linear: weight must be [out, in], got ${fmtShape(weight.shape)}`);
  }
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)} (expected [..., ${inF}])`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias must be [${outF}], got ${fmtShape(bias.shape)}`);
  }
  if (inputs.some((t) => t.dtype === 'bool'))
    throw new DTypeError('linear: bool tensors cannot be multiplied');
  let dtype = promoteTypes(x.dtype, weight.dtype);
  if (bias) dtype = promoteTypes(dtype, bias.dtype);
  if (inputs.some((t) => t.dtype !== dtype) && inputs.some((t) => t.dtype === 'int32')) {
    throw new DTypeError(
      `linear: operands have different dtypes (${inputs.map((t) => t.dtype).join(', ')}); convert first`,
    );
  }
  const xc = cast(x, dtype);
  const wc = cast(weight, dtype);
  const bc = bias ? cast(bias, dtype) : null;
  const lead = xc.shape.slice(0, -1);
  const rows = sizeOf(lead);
  const outShape = [...lead, outF];
  const prod = fromStorage(
    backend,
    backend.matmul(view(xc, [1, rows, inF]), view(wc, [1, outF, inF]), false, true),
    outShape,
    dtype,
  );
  let y = prod;
  if (bc) {
    y = noGradSync(() => add(prod, bc));
    prod.dispose();
  }
  const recorded = bc ? [xc, wc, bc] : [xc, wc];
  record('linear', recorded, y, ([g], [nx, nw, nb]) => {
    const g3 = view(g!, [1, rows, outF]);
    return [
      nx
        ? fromStorage(backend, backend.matmul(g3, view(wc, [1, outF, inF]), false, false), xc.shape, dtype)
        : null,
      nw
        ? fromStorage(backend, backend.matmul(g3, view(xc, [1, rows, inF]), true, false), [outF, inF], dtype)
        : null,
      bc && nb
        ? fromStorage(backend, backend.reduce('sum', view(g!, [rows, outF]), [0]), [outF], dtype)
        : null,
    ];
  });
  // dW = dyᵀ · x: the engine sums the uses of one weight in one product (see `OuterGrad`)
  if (y.gradFn && y.gradFn.inputs[1] === wc) y.gradFn.outer = { input: 1, a: 'grad', b: xc, rows };
  return y;
}
