import { Linear, Module } from '@rnn/nn';
import { cat, chunk, noGrad, type Tensor, tensor } from '@rnn/tensor';

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

  /**
   * Sets the bias of both forget gates (`f_l`, `f_r`) to `value`, the rest of `left`'s bias unchanged.
   * With 0, a node keeps about half of each child's memory, so a leaf's contribution fades as 2^-depth;
   * a positive bias (1 as in Jozefowicz et al. 2015 for LSTMs) lets it reach the root of deep trees.
   */
  initForgetBias(value: number): void {
    const bias = this.left.bias!; // `left` is built with a bias (the gates' only one)
    const H = this.hidden;
    // keep[j] = 0 on the forget gates' slots (2H..4H), 1 elsewhere; fill = value there, 0 elsewhere.
    const keep = new Float32Array(5 * H).fill(1).fill(0, 2 * H, 4 * H);
    const fill = new Float32Array(5 * H).fill(value, 2 * H, 4 * H);
    const options = { dtype: bias.dtype, backend: bias.backend };
    noGrad(() => bias.assign(bias.mul(tensor(keep, options)).add(tensor(fill, options))));
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
