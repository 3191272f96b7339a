import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError, rand, randn, type Tensor, tensor } from '@rnn/tensor';

/** A labelled 2-D point set: `x` float32 `[N, 2]`, `y` int32 `[N]`. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
  size: number;
}

/** The three splits the demo trains, validates and tests on. */
export interface Splits {
  train: Dataset;
  valid: Dataset;
  test: Dataset;
}

/** The class names of the two spirals (the confusion matrix's labels). */
export const CLASS_NAMES = ['arm 1', 'arm 2'];

/** Options of {@link twoSpirals}. */
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
 * separate. Every random number comes from the seeded default generator, so `manualSeed(s)`
 * beforehand makes the data reproducible. Coordinates lie roughly in [-1, 1].
 */
export function twoSpirals({ points = 400, turns = 2, noise = 0.03 }: SpiralOptions = {}): Dataset {
  const half = Math.floor(points / 2);
  const n = 2 * half;
  const along = rand([n]).dataSync(); // position along the arm, uniform in [0, 1)
  const jitter = randn([n, 2]).dataSync();
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

/** Train, validation and test spirals from the default generator (`points` training points, half as many for the others). */
export function spiralSplits(points: number): Splits {
  return {
    train: twoSpirals({ points }),
    valid: twoSpirals({ points: Math.max(2, points / 2) }),
    test: twoSpirals({ points: Math.max(2, points / 2) }),
  };
}

/**
 * Reads a split from a file of `x<TAB>y<TAB>label` lines (label 0 or 1). Problems are
 * `DataFormatError`s naming the file and line.
 */
export async function readPointsFile(path: string): Promise<Dataset> {
  if (!existsSync(path)) {
    throw new DataFormatError(path, 0, 'expected a file of x<TAB>y<TAB>label lines, got no such file');
  }
  const xs: number[] = [];
  const ys: number[] = [];
  (await readFile(path, 'utf8')).split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.split('\t');
    const [x, y, label] = f.map(Number);
    if (f.length !== 3 || !Number.isFinite(x) || !Number.isFinite(y) || (label !== 0 && label !== 1)) {
      throw new DataFormatError(
        path,
        i + 1,
        `expected x<TAB>y<TAB>label (label 0 or 1), got ${JSON.stringify(line)}`,
      );
    }
    xs.push(x, y);
    ys.push(label);
  });
  if (ys.length === 0) throw new DataFormatError(path, 0, 'expected at least one point, got an empty file');
  return {
    x: tensor(Float32Array.from(xs), { shape: [ys.length, 2] }),
    y: tensor(Int32Array.from(ys)),
    size: ys.length,
  };
}

/** The splits of a `--data` folder: `train.tsv`, `valid.tsv`, `test.tsv`. */
export async function readSplits(dir: string): Promise<Splits> {
  return {
    train: await readPointsFile(join(dir, 'train.tsv')),
    valid: await readPointsFile(join(dir, 'valid.tsv')),
    test: await readPointsFile(join(dir, 'test.tsv')),
  };
}
