import { dropout, type Tensor, ValueError } from '@rnn/tensor';
import { Module } from '../module';

/**
 * Inverted dropout, as `torch.nn.Dropout`: in training mode each element is zeroed with probability
 * `p` and the rest are scaled by `1 / (1 − p)`; in evaluation mode (`eval()`) it is the identity.
 * Masks come from the seeded default generator.
 */
export class Dropout extends Module {
  constructor(
    /** The probability that an element is zeroed, in `[0, 1]`. */
    readonly p = 0.5,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  /** Applies dropout when `training`. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
