import {
  cat,
  DTypeError,
  dropout,
  type RnnMode,
  rnnGateCount,
  rnnLayer,
  ShapeError,
  stack,
  type Tensor,
  ValueError,
  zeros,
} from '@rnn/tensor';
import { checkSize, type FactoryOptions, Module, type Parameter, uniformParameter } from '../module';
import { indexTensor, PackedSequence } from './packed-sequence';

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's arguments, camel-cased). */
export interface RecurrentOptions extends FactoryOptions {
  /** Stacked layers (default 1); layer `l > 0` reads layer `l − 1`'s output. */
  numLayers?: number;
  /** Whether the layers have `bias_ih` / `bias_hh` (default `true`). */
  bias?: boolean;
  /** Padded input and output are `[B, T, *]` instead of `[T, B, *]` (default `false`; states are never batch-first). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second direction from the end of each sequence and concatenate both (default `false`). */
  bidirectional?: boolean;
}

/** Options of {@link RNN}. */
export interface RNNOptions extends RecurrentOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of {@link LSTM}. */
export interface LSTMOptions extends RecurrentOptions {
  /** Project the hidden state to this size with `weight_hr` (0 = no projection, the default; must be < hiddenSize). */
  projSize?: number;
}

/** Options of {@link GRU}. */
export type GRUOptions = RecurrentOptions;

/** What a recurrent layer runs on: a padded batch (`[T, B, I]`, `[B, T, I]`, or unbatched `[T, I]`) or a packed one. */
export type RecurrentInput = Tensor | PackedSequence;

/**
 * The machinery shared by {@link RNN}, {@link LSTM} and {@link GRU}: PyTorch's parameter names
 * (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, `weight_hr_l{k}`, with `_reverse`
 * for the second direction), shapes and initialisation U(−1/√H, 1/√H), and a forward pass that runs
 * each direction of each layer as one fused `rnnLayer` op over a packed batch.
 *
 * A padded input runs as a packed batch whose sequences all have length T. A {@link PackedSequence}
 * input may be in any batch order: initial states are taken and final states returned in the
 * original order (as PyTorch does with `sortedIndices` / `unsortedIndices`).
 */
export abstract class RNNBase extends Module {
  /** Number of stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether padded input and output are batch-first. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers. */
  readonly dropout: number;
  /** Whether there are two directions. */
  readonly bidirectional: boolean;
  /** LSTM projection size (0: none). */
  readonly projSize: number;

  constructor(
    /** The recurrence. */
    readonly mode: RnnMode,
    /** Features per input step. */
    readonly inputSize: number,
    /** Features of the hidden state (and of each direction's output, unless projected). */
    readonly hiddenSize: number,
    options: RecurrentOptions & { projSize?: number },
  ) {
    super();
    const op = this.constructor.name;
    checkSize(op, 'inputSize', inputSize);
    checkSize(op, 'hiddenSize', hiddenSize);
    this.numLayers = options.numLayers ?? 1;
    checkSize(op, 'numLayers', this.numLayers);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new ValueError(`${op}: dropout must be a probability in [0, 1], got ${options.dropout}`);
    }
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = options.projSize ?? 0;
    checkSize(op, 'projSize', this.projSize, true);
    if (this.projSize > 0 && mode !== 'lstm')
      throw new ValueError(`${op}: projSize is only supported by LSTM`);
    if (this.projSize >= hiddenSize) {
      throw new ValueError(
        `${op}: projSize must be smaller than hiddenSize (${hiddenSize}), got ${this.projSize}`,
      );
    }
    const gates = rnnGateCount(mode) * hiddenSize;
    const hOut = this.projSize || hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    // Created in PyTorch's order (and so initialised from the generator in that order).
    for (let l = 0; l < this.numLayers; l++) {
      const layerIn = l === 0 ? inputSize : hOut * this.numDirections;
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        this._setOwn(`weight_ih${sfx}`, uniformParameter([gates, layerIn], bound, options));
        this._setOwn(`weight_hh${sfx}`, uniformParameter([gates, hOut], bound, options));
        if (this.bias) {
          this._setOwn(`bias_ih${sfx}`, uniformParameter([gates], bound, options));
          this._setOwn(`bias_hh${sfx}`, uniformParameter([gates], bound, options));
        }
        if (this.projSize > 0)
          this._setOwn(`weight_hr${sfx}`, uniformParameter([this.projSize, hiddenSize], bound, options));
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The parameter names, in PyTorch's order (`_flat_weights_names`). */
  get flatWeightNames(): string[] {
    return this.namedParameters('', false).map(([n]) => n);
  }

  /** The parameters of each layer and direction (PyTorch's `all_weights`): `[w_ih, w_hh, b_ih?, b_hh?, w_hr?]`. */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < this.numDirections; d++) {
        const w = this.layerWeights(l, d);
        out.push([w.wIh, w.wHh, w.bIh, w.bHh, w.wHr].filter((p): p is Parameter => p !== undefined));
      }
    }
    return out;
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    if (this.projSize) parts.push(`projSize=${this.projSize}`);
    return parts.join(', ');
  }

  private layerWeights(l: number, d: number) {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    const own = this as unknown as Record<string, Parameter | undefined>;
    return {
      wIh: own[`weight_ih${sfx}`]!,
      wHh: own[`weight_hh${sfx}`]!,
      bIh: own[`bias_ih${sfx}`],
      bHh: own[`bias_hh${sfx}`],
      wHr: own[`weight_hr${sfx}`],
    };
  }

  /** @internal Runs all layers and directions; states are `[D·numLayers, B, *]` in the input's batch order. */
  protected run(
    input: RecurrentInput,
    h0: Tensor | null | undefined,
    c0: Tensor | null | undefined,
  ): { output: RecurrentInput; hN: Tensor; cN?: Tensor } {
    const op = this.constructor.name;
    const lstm = this.mode === 'lstm';
    const wIh0 = this.layerWeights(0, 0).wIh;
    const dtype = wIh0.dtype;
    let data: Tensor;
    let batchSizes: readonly number[];
    let sorted: readonly number[] | null = null;
    let unsorted: readonly number[] | null = null;
    let steps = 0;
    let unbatched = false;
    const isPacked = input instanceof PackedSequence;
    if (isPacked) {
      data = input.data;
      if (data.ndim !== 2 || data.shape[1] !== this.inputSize) {
        throw new ShapeError(
          `${op}: packed data must be [sum(batchSizes), ${this.inputSize}], got [${data.shape.join(', ')}]`,
        );
      }
      batchSizes = input.batchSizes;
      sorted = input.sortedIndices;
      unsorted = input.unsortedIndices;
    } else {
      const layout = this.batchFirst ? '[B, T, inputSize]' : '[T, B, inputSize]';
      if ((input.ndim !== 3 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
        throw new ShapeError(
          `${op}: expected input ${layout.replace('inputSize', String(this.inputSize))} ` +
            `(or unbatched [T, ${this.inputSize}]), got [${input.shape.join(', ')}]`,
        );
      }
      unbatched = input.ndim === 2;
      const x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
      steps = x.shape[0];
      const batch = x.shape[1];
      if (steps === 0 || batch === 0) {
        throw new ShapeError(
          `${op}: the input has no time steps or no sequences: [${input.shape.join(', ')}]`,
        );
      }
      data = x.reshape([steps * batch, this.inputSize]);
      batchSizes = new Array<number>(steps).fill(batch);
    }
    if (data.dtype !== dtype) {
      throw new DTypeError(
        `${op}: the input is ${data.dtype} but the parameters are ${dtype}; convert one (e.g. model.asType('${data.dtype}'))`,
      );
    }
    const batch = batchSizes[0];
    const directions = this.numDirections;
    const hOut = this.projSize || this.hiddenSize;
    const states = directions * this.numLayers;
    const backend = wIh0.backend;
    const prepare = (s: Tensor | null | undefined, size: number, name: string): Tensor | null => {
      if (!s) return null;
      const expected = unbatched ? [states, size] : [states, batch, size];
      if (s.ndim !== expected.length || s.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(
          `${op}: ${name} must be [${expected.join(', ')}] ([numDirections·numLayers${unbatched ? '' : ', B'}, ${name === 'c0' ? 'hiddenSize' : 'Hout'}]), ` +
            `got [${s.shape.join(', ')}]`,
        );
      }
      if (s.dtype !== dtype)
        throw new DTypeError(`${op}: ${name} is ${s.dtype} but the parameters are ${dtype}`);
      const batched = unbatched ? s.unsqueeze(1) : s;
      return sorted ? batched.indexSelect(1, indexTensor(sorted, backend)) : batched;
    };
    const hState = prepare(h0, hOut, 'h0');
    const cState = lstm ? prepare(c0, this.hiddenSize, 'c0') : null;
    const zeroH = hState ? null : zeros([batch, hOut], { dtype, backend });
    const zeroC = lstm && !cState ? zeros([batch, this.hiddenSize], { dtype, backend }) : null;

    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerInput = data;
    for (let l = 0; l < this.numLayers; l++) {
      const ys: Tensor[] = [];
      for (let d = 0; d < directions; d++) {
        const k = l * directions + d;
        const w = this.layerWeights(l, d);
        const res = rnnLayer(
          {
            x: layerInput,
            h0: hState ? hState.select(0, k) : zeroH!,
            c0: lstm ? (cState ? cState.select(0, k) : zeroC!) : undefined,
            wIh: w.wIh,
            wHh: w.wHh,
            bIh: w.bIh,
            bHh: w.bHh,
            wHr: w.wHr,
          },
          { mode: this.mode, batchSizes, reverse: d === 1 },
        );
        ys.push(res.y);
        hs.push(res.hN);
        if (res.cN) cs.push(res.cN);
      }
      layerInput = directions === 2 ? cat(ys, 1) : ys[0];
      if (this.dropout > 0 && this.training && l < this.numLayers - 1)
        layerInput = dropout(layerInput, this.dropout, true);
    }
    let hN = stack(hs, 0);
    let cN = lstm ? stack(cs, 0) : undefined;
    if (unsorted) {
      const idx = indexTensor(unsorted, backend);
      hN = hN.indexSelect(1, idx);
      if (cN) cN = cN.indexSelect(1, idx);
    }
    let output: RecurrentInput;
    if (isPacked) {
      output = input.withData(layerInput);
    } else {
      const padded = layerInput.reshape([steps, batch, directions * hOut]);
      if (unbatched) {
        output = padded.squeeze(1);
        hN = hN.squeeze(1);
        if (cN) cN = cN.squeeze(1);
      } else {
        output = this.batchFirst ? padded.transpose(0, 1) : padded;
      }
    }
    return { output, hN, cN };
  }
}

/**
 * A multi-layer Elman RNN, as `torch.nn.RNN`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or ReLU).
 * `forward(input, h0?)` returns `[output, hN]`: output `[T, B, D·H]` (or a `PackedSequence`), hN
 * `[D·numLayers, B, H]`.
 */
export class RNN extends RNNBase {
  /** The nonlinearity. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') {
      throw new ValueError(
        `RNN: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(options.nonlinearity)}`,
      );
    }
    super(nl === 'tanh' ? 'rnn_tanh' : 'rnn_relu', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  /** Runs the network over a packed batch; returns the packed output and the final states. */
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  /** Runs the network over a padded (or unbatched) input. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: RecurrentInput, h0?: Tensor | null): [RecurrentInput, Tensor] {
    const { output, hN } = this.run(input, h0, null);
    return [output, hN];
  }
}

/**
 * A multi-layer LSTM, as `torch.nn.LSTM` (gates i, f, g, o; optional projection `projSize`).
 * `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]`: output `[T, B, D·Hout]` (or a
 * `PackedSequence`), hN `[D·numLayers, B, Hout]`, cN `[D·numLayers, B, H]`, where `Hout` is
 * `projSize` if set, else `hiddenSize`.
 *
 * @example
 * ```ts
 * const lstm = new LSTM(8, 16, { numLayers: 2, bidirectional: true });
 * const packed = packPaddedSequence(x, [5, 2, 4]);          // x: [5, 3, 8]
 * const [out, [h, c]] = lstm.forward(packed);                // h: [4, 3, 16], in the original order
 * ```
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('lstm', inputSize, hiddenSize, options);
  }

  /** Runs the network over a packed batch; returns the packed output and the final states. */
  forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  /** Runs the network over a padded (or unbatched) input. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: RecurrentInput, hx?: readonly [Tensor, Tensor] | null): [RecurrentInput, [Tensor, Tensor]] {
    if (hx && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ValueError('LSTM: the initial state must be a pair [h0, c0]');
    }
    const { output, hN, cN } = this.run(input, hx?.[0], hx?.[1]);
    return [output, [hN, cN!]];
  }
}

/**
 * A multi-layer GRU, as `torch.nn.GRU` (gates r, z, n; reset applied after the hidden matmul:
 * `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`, `h' = (1 − z)·n + z·h`). `forward(input, h0?)`
 * returns `[output, hN]`.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: GRUOptions = {}) {
    super('gru', inputSize, hiddenSize, options);
  }

  /** Runs the network over a packed batch; returns the packed output and the final states. */
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  /** Runs the network over a padded (or unbatched) input. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: RecurrentInput, h0?: Tensor | null): [RecurrentInput, Tensor] {
    const { output, hN } = this.run(input, h0, null);
    return [output, hN];
  }
}
