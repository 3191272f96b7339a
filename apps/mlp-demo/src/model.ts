import { Dropout, LayerNorm, Linear, Module, ModuleList } from '@rnn/nn';
import type { Tensor } from '@rnn/tensor';

/** The hyper-parameters that shape the model (stored in checkpoints, so `eval` can rebuild it). */
export interface MlpConfig {
  /** Widths, inputs first and classes last, e.g. `[2, 32, 32, 2]`. */
  sizes: number[];
  /** LayerNorm after each hidden layer's linear map. */
  layerNorm: boolean;
  /** Dropout probability after each hidden activation. */
  dropout: number;
}

/**
 * A multilayer perceptron built from `@rnn/nn` modules: `Linear → [LayerNorm] → tanh → [Dropout]`
 * per hidden layer, then a `Linear` to the class logits. Its state dict has PyTorch's names
 * (`hidden.0.weight`, `norms.0.weight`, `out.bias`, ...), so its checkpoints load in PyTorch.
 */
export class MLP extends Module {
  hidden: ModuleList<Linear>;
  norms: ModuleList<LayerNorm>;
  drop: Dropout;
  out: Linear;

  constructor(readonly config: MlpConfig) {
    super();
    const { sizes } = config;
    const widths = sizes.slice(0, -1);
    this.hidden = new ModuleList(widths.slice(0, -1).map((w, i) => new Linear(w, widths[i + 1])));
    this.norms = new ModuleList(config.layerNorm ? widths.slice(1).map((w) => new LayerNorm(w)) : []);
    this.drop = new Dropout(config.dropout);
    this.out = new Linear(widths[widths.length - 1], sizes[sizes.length - 1]);
  }

  /** Class logits `[N, classes]` for points `[N, features]`. */
  forward(x: Tensor): Tensor {
    let h = x;
    [...this.hidden].forEach((layer, i) => {
      h = layer.forward(h);
      if (this.config.layerNorm) h = this.norms.at(i).forward(h);
      h = this.drop.forward(h.tanh());
    });
    return this.out.forward(h);
  }
}
