/**
 * The shape of `rnn_fixtures.json`, written by `generate_rnn.py`: plain data, no imports, so the tests
 * of other packages (the WebGPU backend's parity test) can share it with a type-only import.
 */

/** A tensor as the fixture script writes it. */
export interface JsonTensor {
  shape: number[];
  data: number[];
}

/** One recurrent-layer case: options, inputs, upstream gradients, and PyTorch's outputs and gradients. */
export interface RnnCase {
  name: string;
  kind: 'lstm' | 'gru' | 'rnn';
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  projSize: number;
  nonlinearity: 'tanh' | 'relu';
  lengths: number[] | null;
  batchSizes: number[] | null;
  paramNames: string[];
  x: JsonTensor;
  h0: JsonTensor | null;
  c0: JsonTensor | null;
  gOut: JsonTensor;
  gH: JsonTensor;
  gC: JsonTensor | null;
  out: JsonTensor;
  packedData: JsonTensor | null;
  hN: JsonTensor;
  cN: JsonTensor | null;
  grads: Record<string, JsonTensor>;
  xGrad: JsonTensor;
  h0Grad: JsonTensor | null;
  c0Grad: JsonTensor | null;
}

/** The single-layer cases (Linear, Embedding, LayerNorm). */
export interface LayerFixtures {
  linear: {
    x: JsonTensor;
    g: JsonTensor;
    y: JsonTensor;
    xGrad: JsonTensor;
    grads: Record<string, JsonTensor>;
  };
  embedding: {
    paddingIdx: number;
    indices: number[][];
    g: JsonTensor;
    y: JsonTensor;
    grads: Record<string, JsonTensor>;
  };
  embeddingMaxNorm: { maxNorm: number; indices: number[]; y: JsonTensor; weightAfter: JsonTensor };
  layerNorm: {
    normalizedShape: number[];
    eps: number;
    x: JsonTensor;
    g: JsonTensor;
    y: JsonTensor;
    xGrad: JsonTensor;
    grads: Record<string, JsonTensor>;
  };
}
