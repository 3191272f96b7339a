import { Linear, Module } from '@rnn/nn';
import { cat, chunk, type Tensor } from '@rnn/tensor';

/**
 * SPINN's Reduce: a TreeLSTM composition of the two top stack entries, conditioned on the tracker's
 * state (Bowman et al. 2016, eq. 2). Entries are `h‖c` rows `[R, 2H]`; the gates are
 * `left(h_l) + right(h_r) + track(tracker)`, split into a candidate `a` and gates `i, f_l, f_r, o`:
 * `c = tanh(a)·σ(i) + σ(f_l)·c_l + σ(f_r)·c_r`, `h = σ(o)·tanh(c)`.
 */
export class Reduce extends Module {
  left: Linear;
  right: Linear;
  /** `null` without a tracker (SPINN-PI-NT). */
  track: Linear | null;

  constructor(
    readonly hidden: number,
    tracker: number,
  ) {
    super();
    this.left = new Linear(hidden, 5 * hidden);
    this.right = new Linear(hidden, 5 * hidden, { bias: false });
    this.track = tracker > 0 ? new Linear(tracker, 5 * hidden, { bias: false }) : null;
  }

  /** Entries `[R, 2H]` on the left and right, tracker states `[R, T]` (or null) → new entries `[R, 2H]`. */
  forward(left: Tensor, right: Tensor, tracking: Tensor | null): Tensor {
    const [lh, lc] = chunk(left, 2, 1);
    const [rh, rc] = chunk(right, 2, 1);
    let gates = this.left.forward(lh).add(this.right.forward(rh));
    if (this.track && tracking) gates = gates.add(this.track.forward(tracking));
    const [a, i, fl, fr, o] = chunk(gates, 5, 1);
    const c = a.tanh().mul(i.sigmoid()).add(fl.sigmoid().mul(lc)).add(fr.sigmoid().mul(rc));
    const h = o.sigmoid().mul(c.tanh());
    return cat([h, c], 1);
  }
}
