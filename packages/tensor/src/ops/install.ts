import { backward } from '../autograd/backward';
import { sigmoidGrad, tanhGrad } from './activation-grad';
import { fullLike } from './creation';
import * as ew from './elementwise';
import * as idx from './indexing';
import { matmul } from './matmul';
import { multinomial } from './multinomial';
import { dropout } from './random';
import * as red from './reduce';
import * as sh from './shape';
import { logSoftmax, softmax } from './softmax';
import { ops } from './table';
import { topk } from './topk';

/** Fills the table the `Tensor` methods call (see `ops/table.ts`). The package entries call it once. */
export function installOps(): void {
  Object.assign(ops, {
    backward,
    tanhGrad,
    sigmoidGrad,
    fullLike,
    ew,
    idx,
    matmul,
    multinomial,
    dropout,
    red,
    sh,
    softmax,
    logSoftmax,
    topk,
  });
}
