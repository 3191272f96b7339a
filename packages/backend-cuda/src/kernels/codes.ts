import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from '@rnn/tensor/backend';

// Op codes the kernels switch on (src/kernels/cuda/*.cu).
export const UNARY_CODE: Readonly<Record<UnaryOp, number>> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  tanh: 5,
  sigmoid: 6,
  relu: 7,
  sign: 8,
  not: 9,
};
export const BINARY_CODE: Readonly<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
};
export const COMPARE_CODE: Readonly<Record<CompareOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };
export const REDUCE_CODE: Readonly<Record<ReduceOp, number>> = { sum: 0, max: 1, min: 2 };
export const ARG_REDUCE_CODE: Readonly<Record<ArgReduceOp, number>> = { argmax: 0, argmin: 1 };
