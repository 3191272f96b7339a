import {
  DTypeError,
  type RnnMode,
  rnnGateCount,
  rnnLayer,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from '@rnn/tensor';
import { checkSize, type FactoryOptions, Module, type Parameter, uniformParameter } from '../module';

/** Options of the recurrent cells. */
export interface CellOptions extends FactoryOptions {
  /** Whether the cell has `bias_ih` / `bias_hh` (default `true`). */
  bias?: boolean;
}

/** Options of {@link RNNCell}. */
export interface RNNCellOptions extends CellOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * One time step of a recurrence, as PyTorch's cells: parameters `weight_ih` `[G·H, inputSize]`,
 * `weight_hh` `[G·H, H]`, `bias_ih`, `bias_hh` `[G·H]`, initialised U(−1/√H, 1/√H). Input `[B, inputSize]`
 * (or unbatched `[inputSize]`). A step runs as a one-step fused `rnnLayer`.
 */
export abstract class RNNCellBase extends Module {
  /** `[G·H, inputSize]`. */
  weight_ih: Parameter;
  /** `[G·H, hiddenSize]`. */
  weight_hh: Parameter;
  /** `[G·H]`, or `null` without bias. */
  bias_ih: Parameter | null;
  /** `[G·H]`, or `null` without bias. */
  bias_hh: Parameter | null;

  constructor(
    /** The recurrence. */
    readonly mode: RnnMode,
    /** Features of the input. */
    readonly inputSize: number,
    /** Features of the hidden state. */
    readonly hiddenSize: number,
    options: CellOptions,
  ) {
    super();
    const op = this.constructor.name;
    checkSize(op, 'inputSize', inputSize);
    checkSize(op, 'hiddenSize', hiddenSize);
    const gates = rnnGateCount(mode) * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    this.weight_ih = uniformParameter([gates, inputSize], bound, options);
    this.weight_hh = uniformParameter([gates, hiddenSize], bound, options);
    const bias = options.bias ?? true;
    this.bias_ih = bias ? uniformParameter([gates], bound, options) : null;
    this.bias_hh = bias ? uniformParameter([gates], bound, options) : null;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? '' : ', bias=false'}`;
  }

  /** @internal One step; states default to zeros. Returns `[h', c']` (c' only for LSTM). */
  protected step(
    input: Tensor,
    h: Tensor | null | undefined,
    c: Tensor | null | undefined,
  ): [Tensor, Tensor?] {
    const op = this.constructor.name;
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(
        `${op}: expected input [B, ${this.inputSize}] (or unbatched [${this.inputSize}]), got [${input.shape.join(', ')}]`,
      );
    }
    const dtype = this.weight_ih.dtype;
    if (input.dtype !== dtype) {
      throw new DTypeError(`${op}: the input is ${input.dtype} but the parameters are ${dtype}`);
    }
    const unbatched = input.ndim === 1;
    const x = unbatched ? input.unsqueeze(0) : input;
    const batch = x.shape[0];
    if (batch === 0) throw new ShapeError(`${op}: the input batch is empty`);
    const state = (s: Tensor | null | undefined, name: string) => {
      if (!s) return zeros([batch, this.hiddenSize], { dtype, backend: this.weight_ih.backend });
      const expected = unbatched ? [this.hiddenSize] : [batch, this.hiddenSize];
      if (s.ndim !== expected.length || s.shape.some((d, i) => d !== expected[i])) {
        throw new ShapeError(`${op}: ${name} must be [${expected.join(', ')}], got [${s.shape.join(', ')}]`);
      }
      return unbatched ? s.unsqueeze(0) : s;
    };
    const res = rnnLayer(
      {
        x,
        h0: state(h, 'h'),
        c0: this.mode === 'lstm' ? state(c, 'c') : undefined,
        wIh: this.weight_ih,
        wHh: this.weight_hh,
        bIh: this.bias_ih ?? undefined,
        bHh: this.bias_hh ?? undefined,
      },
      { mode: this.mode, batchSizes: [batch] },
    );
    const out = (t: Tensor) => (unbatched ? t.squeeze(0) : t);
    return [out(res.hN), res.cN ? out(res.cN) : undefined];
  }
}

/** An Elman RNN cell, as `torch.nn.RNNCell`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or ReLU). */
export class RNNCell extends RNNCellBase {
  /** The nonlinearity. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    const nl = options.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') {
      throw new ValueError(
        `RNNCell: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(options.nonlinearity)}`,
      );
    }
    super(nl === 'tanh' ? 'rnn_tanh' : 'rnn_relu', inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  /** One step from `h` (zeros when omitted); returns `h'`. */
  forward(input: Tensor, h?: Tensor | null): Tensor {
    return this.step(input, h, null)[0];
  }
}

/** An LSTM cell, as `torch.nn.LSTMCell` (gates i, f, g, o). */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('lstm', inputSize, hiddenSize, options);
  }

  /** One step from `[h, c]` (zeros when omitted); returns `[h', c']`. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [h, c] = this.step(input, hx?.[0], hx?.[1]);
    return [h, c!];
  }
}

/** A GRU cell, as `torch.nn.GRUCell` (gates r, z, n; PyTorch's reset-after formula). */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('gru', inputSize, hiddenSize, options);
  }

  /** One step from `h` (zeros when omitted); returns `h'`. */
  forward(input: Tensor, h?: Tensor | null): Tensor {
    return this.step(input, h, null)[0];
  }
}
