import { promoteTypes } from '../dtype';
import { BackendError, DTypeError, fmtShape, ShapeError, ValueError } from '../errors';
import {
  broadcastStrides,
  contiguousStrides,
  normalizeAxes,
  normalizeAxis,
  type Shape,
  shapesEqual,
  sizeOf,
} from '../shape';
import { aliasOf, fromStorage, record, sameBackend, type Tensor } from '../tensor';
import { cast } from './elementwise';
import { recordScatter } from './scatter-grad';
import { ops } from './table';

function stridedRaw(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return fromStorage(x.backend, x.backend.strided(x, shape, strides, offset), shape, x.dtype);
}

/** Resolves one `-1` in a target shape and checks the element count. */
function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1))
    throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  for (const d of out) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0))
      throw new ShapeError(`${op}: invalid target shape ${fmtShape(shape)}`);
  }
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`,
      );
    }
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(
      `${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`,
    );
  }
  return out;
}

/** Same data, new shape (one dimension may be -1). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape('reshape', x, shape);
  if (shapesEqual(target, x.shape)) return x;
  return record('reshape', [x], aliasOf(x, target), ([g]) => [reshape(g!, x.shape)]);
}

/** Merges dimensions `startDim..endDim` into one (shares storage). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startDim, x.ndim);
  const e = normalizeAxis('flatten', endDim, x.ndim);
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Reorders dimensions: output dimension `i` is input dimension `dims[i]`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ShapeError(
      `permute: ${fmtShape(dims)} has ${dims.length} dimensions, the input ${fmtShape(x.shape)} has ${x.ndim}`,
    );
  }
  const perm = dims.map((d) => normalizeAxis('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length)
    throw new ShapeError(`permute: repeated dimension in ${fmtShape(dims)}`);
  if (perm.every((d, i) => d === i)) return x;
  const inStrides = contiguousStrides(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  const out = stridedRaw(
    x,
    shape,
    perm.map((d) => inStrides[d]),
    0,
  );
  const inverse = new Array<number>(perm.length);
  perm.forEach((d, i) => {
    inverse[d] = i;
  });
  return record('permute', [x], out, ([g]) => [permute(g!, inverse)]);
}

/** Swaps dimensions `dim0` and `dim1` (a copy: storage is contiguous). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeAxis('transpose', dim0, x.ndim);
  const b = normalizeAxis('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** The transpose of a 2-D tensor. */
export function transpose2d(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(`t: expects a tensor of at most 2 dimensions, got ${fmtShape(x.shape)}`);
  return x.ndim < 2 ? x : permute(x, [1, 0]);
}

/** Removes `dim` if it has size 1, or every size-1 dimension when `dim` is omitted. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  if (x.ndim === 0) return x;
  const d = normalizeAxis('squeeze', dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

/** Inserts a size-1 dimension at `dim` (shares storage). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeAxis('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Broadcasts to `shape` without copying in the graph; `-1` keeps a dimension. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: target ${fmtShape(shape)} has fewer dimensions than the input ${fmtShape(x.shape)}`,
    );
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  target.forEach((d, i) => {
    const src = i >= lead ? x.shape[i - lead] : 1;
    if (d < 0 || (src !== d && src !== 1)) {
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dimension ${i}: ${src} is neither ${d} nor 1)`,
      );
    }
  });
  if (shapesEqual(target, x.shape)) return x;
  const out = stridedRaw(x, target, broadcastStrides(x.shape, target), 0);
  return record('expand', [x], out, ([g]) => [ops.red.sumToShape(g!, x.shape)]);
}

/** Python-style `x[start:end:step]` along `dim` (negative indices count from the end, bounds clamp). */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normalizeAxis('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const norm = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new ValueError(`slice: bounds must be integers, got ${v}`);
    return Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  };
  const s = norm(start, 0);
  const e = Math.max(norm(end, n), s);
  const len = Math.ceil((e - s) / step);
  if (s === 0 && len === n && step === 1) return x;
  const inStrides = contiguousStrides(x.shape);
  const shape = [...x.shape];
  shape[d] = len;
  const strides = [...inStrides];
  strides[d] = inStrides[d] * step;
  const out = stridedRaw(x, shape, strides, s * inStrides[d]);
  return recordScatter('slice', x, out, { axis: d, start: s, step });
}

/** `length` elements from `start` along `dim`; out-of-range requests are errors (unlike `slice`). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeAxis('narrow', dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new ShapeError(
      `narrow: start ${start} and length ${length} do not fit dimension ${dim} of size ${n} in ${fmtShape(x.shape)}`,
    );
  }
  return slice(x, d, s, s + length);
}

/** Picks `index` along `dim` and removes that dimension. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeAxis('select', dim, x.ndim);
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new ShapeError(
      `select: index ${index} is out of range for dimension ${dim} of size ${n} in ${fmtShape(x.shape)}`,
    );
  }
  return squeeze(narrow(x, d, index < 0 ? index + n : index, 1), d);
}

/** Reverses the order of elements along `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const axes = normalizeAxes('flip', dims, x.ndim);
  if (axes.length === 0 || x.size === 0) return x;
  const strides = contiguousStrides(x.shape);
  let offset = 0;
  for (const a of axes) {
    offset += (x.shape[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  const out = stridedRaw(x, x.shape, strides, offset);
  return record('flip', [x], out, ([g]) => [flip(g!, axes)]);
}

/** Concatenates along `dim`. Dtypes are promoted; all tensors must be on one backend. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat: expected a non-empty list of tensors');
  const backend = sameBackend('cat', tensors);
  const first = tensors[0];
  const d = normalizeAxis('cat', dim, first.ndim);
  if (first.ndim === 0)
    throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated; use stack()');
  tensors.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(
        `cat: tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)} ` +
          `(all dimensions but ${d} must match)`,
      );
    }
  });
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const inputs = tensors.map((t) => cast(t, dtype));
  if (inputs.length === 1) return inputs[0];
  const shape = [...first.shape];
  shape[d] = inputs.reduce((n, t) => n + t.shape[d], 0);
  const out = fromStorage(backend, backend.concat(inputs, d), shape, dtype);
  return record('cat', inputs, out, ([g], needs) => {
    let offset = 0;
    return inputs.map((t, i) => {
      const part = needs[i] ? narrow(g!, d, offset, t.shape[d]) : null;
      offset += t.shape[d];
      return part;
    });
  });
}

/** Stacks equally shaped tensors along a new dimension `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected a non-empty list of tensors');
  const first = tensors[0];
  tensors.forEach((t, k) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(
        `stack: tensor ${k} has shape ${fmtShape(t.shape)}, expected ${fmtShape(first.shape)} like tensor 0`,
      );
    }
  });
  const d = normalizeAxis('stack', dim, first.ndim + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Splits into pieces of `splitSize` along `dim` (the last may be smaller), or into the given sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeAxis('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!Number.isInteger(splitSize) || splitSize <= 0)
      throw new ValueError(`split: size must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let s = 0; s < n; s += splitSize) sizes.push(Math.min(splitSize, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(
        `split: sizes ${fmtShape(sizes)} must be non-negative and add up to ${n} (dimension ${dim} of ${fmtShape(x.shape)})`,
      );
    }
  }
  let offset = 0;
  return sizes.map((s) => {
    const part = narrow(x, d, offset, s);
    offset += s;
    return part;
  });
}

/** Splits into `chunks` nearly equal pieces along `dim`, like `torch.chunk`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeAxis('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** A copy of the data (differentiable). */
export function clone(x: Tensor): Tensor {
  const out = stridedRaw(x, x.shape, contiguousStrides(x.shape), 0);
  return record('clone', [x], out, ([g]) => [g]);
}

/** @internal Validates `target.assign(value)`. */
export function checkAssign(target: Tensor, value: Tensor): void {
  if (!shapesEqual(target.shape, value.shape)) {
    throw new ShapeError(
      `assign: value shape ${fmtShape(value.shape)} differs from the target's ${fmtShape(target.shape)}`,
    );
  }
  if (target.dtype !== value.dtype) {
    throw new DTypeError(`assign: value dtype ${value.dtype} differs from the target's ${target.dtype}`);
  }
  if (target.backend !== value.backend) {
    throw new BackendError(
      `assign: value is on "${value.backend.name}", the target on "${target.backend.name}"; move it with value.to('${target.backend.name}')`,
    );
  }
  if (target.gradFn)
    throw new ValueError('assign: only leaf tensors can be assigned (the target was computed by an op)');
}
