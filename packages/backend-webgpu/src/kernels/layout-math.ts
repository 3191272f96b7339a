/** Shape and stride arithmetic done on the host before a dispatch: the backend layer's helpers. */
export { broadcastStrides, collapse, contiguousStrides, sizeOf, splitAround } from '@rnn/tensor/backend';
