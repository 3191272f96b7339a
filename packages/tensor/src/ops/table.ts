import type * as autograd from '../autograd/backward';
import type * as activationGrad from './activation-grad';
import type * as creation from './creation';
import type * as elementwise from './elementwise';
import type * as indexing from './indexing';
import type * as matmul from './matmul';
import type * as multinomial from './multinomial';
import type * as random from './random';
import type * as reduce from './reduce';
import type * as shape from './shape';
import type * as softmax from './softmax';
import type * as topk from './topk';

/**
 * The ops behind the `Tensor` class's methods, and the ops that gradients call across op modules.
 * `tensor.ts` defines the class without importing any op (ops import `tensor.ts`, so the reverse would
 * be an import cycle): its methods call through this table. Likewise an op module imports only the op
 * modules it is built on, and reaches the ones built on it (a reduction in an elementwise gradient)
 * through here. `installOps()` (`ops/install.ts`) fills the table when the package entry loads.
 */
export interface OpTable {
  backward: typeof autograd.backward;
  tanhGrad: typeof activationGrad.tanhGrad;
  sigmoidGrad: typeof activationGrad.sigmoidGrad;
  fullLike: typeof creation.fullLike;
  ew: typeof elementwise;
  idx: typeof indexing;
  matmul: typeof matmul.matmul;
  multinomial: typeof multinomial.multinomial;
  dropout: typeof random.dropout;
  red: typeof reduce;
  sh: typeof shape;
  softmax: typeof softmax.softmax;
  logSoftmax: typeof softmax.logSoftmax;
  topk: typeof topk.topk;
}

/** @internal The table (empty until `installOps()` runs). */
export const ops = {} as OpTable;
