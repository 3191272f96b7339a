import { Linear, LSTMCell, Module } from '@rnn/nn';
import { cat, type Tensor } from '@rnn/tensor';

/**
 * SPINN's tracker: an `LSTMCell` that reads, at every transition step, the `h` halves of the buffer's
 * top and of the stack's two top entries, and whose state conditions Reduce. With a transition head
 * it also scores SHIFT/REDUCE (`[n, 2]` logits), the policy of the REINFORCE variant.
 */
export class Tracker extends Module {
  cell: LSTMCell;
  /** Scores SHIFT (0) and REDUCE (1) from the tracker's `h`; `null` when transitions are given. */
  transition: Linear | null;

  constructor(
    readonly hidden: number,
    readonly size: number,
    transitionHead: boolean,
  ) {
    super();
    this.cell = new LSTMCell(3 * hidden, size);
    this.transition = transitionHead ? new Linear(size, 2) : null;
  }

  /** One step for the `n` active sentences: entries `[n, 2H]` (`h‖c`) → the new state `(h, c)`. */
  forward(buffer: Tensor, top: Tensor, second: Tensor, state: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const H = this.hidden;
    const input = cat([buffer.narrow(1, 0, H), top.narrow(1, 0, H), second.narrow(1, 0, H)], 1);
    return this.cell.forward(input, state);
  }
}
