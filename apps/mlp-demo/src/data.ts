import { rand, randn, type Tensor, tensor, tidy } from '@rnn/tensor';

/** A labelled 2-D point set: `x` float32 `[N, 2]`, `y` int32 `[N]` (class 0 or 1). */
export interface Dataset {
  x: Tensor;
  y: Tensor;
  size: number;
}

export interface SpiralOptions {
  /** Total number of points, split evenly between the two classes. */
  points?: number;
  /** How many times each arm winds around the centre. */
  turns?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. */
  noise?: number;
}

/**
 * The classic "two spirals" problem: two interleaved arms, one per class, which no linear model can
 * separate. Every random number comes from the seeded default generator (`rand` for the position
 * along the arm, `randn` for the noise), so `manualSeed(s)` beforehand makes the data reproducible.
 * The tensor library has no sin/cos, so the polar-to-Cartesian step is done in plain JavaScript.
 * Coordinates lie roughly in [-1, 1].
 */
export function twoSpirals({ points = 400, turns = 2, noise = 0.03 }: SpiralOptions = {}): Dataset {
  const half = Math.floor(points / 2);
  const n = 2 * half;
  // Read the random draws out as plain arrays; tidy disposes the tensors they came in.
  const along = tidy(() => rand([n]).dataSync()); // position along the arm, uniform in [0, 1)
  const jitter = tidy(() => randn([n, 2]).dataSync());
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i < half ? 0 : 1;
    const s = Math.sqrt(along[i]); // sqrt spreads the points evenly along the widening arm
    const radius = 0.1 + 0.9 * s;
    const angle = s * turns * 2 * Math.PI + label * Math.PI; // the second arm is the first turned by 180°
    xs[2 * i] = radius * Math.cos(angle) + noise * jitter[2 * i];
    xs[2 * i + 1] = radius * Math.sin(angle) + noise * jitter[2 * i + 1];
    ys[i] = label;
  }
  return { x: tensor(xs, { shape: [n, 2] }), y: tensor(ys), size: n };
}
