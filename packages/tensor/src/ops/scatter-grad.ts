import type { ScatterGrad } from '../autograd/node';
import { fromStorage, record, type Tensor } from '../tensor';
import { arange } from './creation';

/**
 * Records an op whose gradient scatters (`indexSelect`, `slice`): the node carries the
 * {@link ScatterGrad} descriptor, so the backward engine can add the gradient straight into the
 * input's running sum, and its backward function builds the same gradient densely from that
 * descriptor (zeros shaped like `x`, rows added) for when it cannot.
 */
export function recordScatter(name: string, x: Tensor, out: Tensor, scatter: ScatterGrad): Tensor {
  record(name, [x], out, ([g]) => {
    const index =
      'index' in scatter
        ? scatter.index
        : arange(scatter.start, scatter.start + g!.shape[scatter.axis] * scatter.step, scatter.step, {
            dtype: 'int32',
            backend: x.backend,
          });
    return [fromStorage(x.backend, x.backend.indexAdd(x.shape, scatter.axis, index, g!), x.shape, g!.dtype)];
  });
  if (out.gradFn) out.gradFn.scatter = scatter;
  return out;
}
