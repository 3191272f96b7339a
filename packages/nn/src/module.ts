import {
  type Backend,
  type DType,
  DTypeError,
  full,
  keep,
  noGrad,
  RnnError,
  rand,
  randn,
  Tensor,
  ValueError,
} from '@rnn/tensor';

/**
 * A model's tensors by PyTorch-style dotted name (`"encoder.weight_ih_l0"`), in registration order.
 * Plain objects keep insertion order for such keys, so the order is the model's.
 */
export type StateDict = Record<string, Tensor>;

/** Where and in which dtype a layer creates its parameters (PyTorch's `device=` / `dtype=` arguments). */
export interface FactoryOptions {
  /** Floating-point dtype of the parameters; `float32` by default. */
  dtype?: DType;
  /** Backend (name or instance) of the parameters; the current backend by default. */
  backend?: string | Backend;
}

/**
 * A trainable tensor of a {@link Module}: a leaf that requires grad (unless frozen) and is marked with
 * `keep()`, so memory scopes never dispose it. It shares storage with the tensor it was made from.
 *
 * A module finds its parameters by looking at its own properties: assigning a `Parameter` to a
 * property registers it, under the property's name.
 */
export class Parameter extends Tensor {
  /** Always `true`: tells parameters from other tensors. */
  readonly isParameter = true;

  /** Wraps `data` (sharing its storage, cut from the graph) as a leaf parameter. */
  constructor(data: Tensor, requiresGrad = true) {
    super(data.ref.retain(), data.shape, data.dtype);
    if (requiresGrad) this.requiresGrad = true;
    keep(this);
  }
}

/** Whether `t` is a {@link Parameter} (by its flag, so a second copy of this package is recognised too). */
function isParameter(t: Tensor): boolean {
  return (t as { isParameter?: unknown }).isParameter === true;
}

/** One problem found by `loadStateDict`: a shape or dtype that differs, or a value that is not a tensor. */
export interface StateDictMismatch {
  /** The dotted key. */
  key: string;
  /** What differs. */
  kind: 'shape' | 'dtype' | 'not-a-tensor';
  /** The model's shape or dtype. */
  expected: string;
  /** The state dict's. */
  got: string;
}

/**
 * `loadStateDict` found keys that are missing or unexpected (in strict mode), or tensors whose shape or
 * dtype differs from the model's. The message lists every problem; the fields give them as data.
 * Nothing is loaded when this is thrown.
 */
export class StateDictError extends RnnError {
  constructor(
    message: string,
    /** Keys the model has and the state dict lacks. */
    readonly missingKeys: readonly string[],
    /** Keys the state dict has and the model lacks. */
    readonly unexpectedKeys: readonly string[],
    /** Shape, dtype and type mismatches. */
    readonly mismatches: readonly StateDictMismatch[],
  ) {
    super(message);
  }
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Whether missing and unexpected keys are errors (`true`, the default, as in PyTorch). Shape and
   * dtype mismatches are always errors.
   */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (empty in strict mode, which throws instead). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type TensorKind = 'parameter' | 'buffer';

/**
 * Base class of every layer and model, as `torch.nn.Module`.
 *
 * Parameters, buffers and submodules are found from the instance's own properties, in the order they
 * were assigned (PyTorch's registration order), with no registration calls:
 * - a {@link Parameter} is a parameter;
 * - any other tensor is a buffer (saved in the state dict, moved by `to()`; see {@link Module.nonPersistent});
 * - a `Module` is a submodule (use `ModuleList` / `ModuleDict` for collections; plain arrays are not searched);
 * - properties whose name starts with `_`, and `null` values, are ignored.
 *
 * Subclasses define `forward(...)`; `call(...)` is the same call, typed from `forward`.
 *
 * @example
 * ```ts
 * class Tagger extends Module {
 *   embed = new Embedding(1000, 32);
 *   lstm = new LSTM(32, 64, { bidirectional: true });
 *   out = new Linear(128, 17);
 *   forward(tokens: Tensor): Tensor {
 *     const [h] = this.lstm.forward(this.embed.forward(tokens));
 *     return this.out.forward(h);
 *   }
 * }
 * new Tagger().namedParameters().map(([name]) => name);
 * // ['embed.weight', 'lstm.weight_ih_l0', ..., 'out.bias']
 * ```
 */
export class Module {
  /** Whether the module is in training mode (dropout active). Change it with `train()` / `eval()`. */
  training = true;
  /** Names of buffers left out of the state dict (PyTorch's `persistent=False`). */
  protected readonly _nonPersistent = new Set<string>();

  /** Calls `forward` with the same arguments (a typed convenience: `model.call(x)`). */
  call<
    M extends {
      /** The module's computation, which `call` runs. */
      forward(...args: never[]): unknown;
    },
  >(this: M, ...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return (this.forward as (...a: unknown[]) => ReturnType<M['forward']>)(...args);
  }

  // ---------------------------------------------------------------- discovery

  /** The direct submodules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, value] of this._ownEntries()) if (value instanceof Module) out.push([name, value]);
    return out;
  }

  /** The direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every module below it, with dotted names (`''` for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [child, sub] of m.namedChildren()) visit(sub, name ? `${name}.${child}` : child);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and every module below it. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The parameters with PyTorch-style dotted names (`"lstm.weight_ih_l0"`). A parameter shared by two
   * modules is listed once, under its first name. With `recurse = false`, only this module's own.
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    return this._namedTensors('parameter', prefix, recurse) as [string, Parameter][];
  }

  /** The parameters (each once), in registration order: what an optimizer takes. */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** The buffers (tensors that are not parameters) with dotted names. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this._namedTensors('buffer', prefix, recurse);
  }

  /** The buffers. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** The parameter with dotted name `name` (as in `namedParameters()`); throws a `ValueError` if there is none. */
  getParameter(name: string): Parameter {
    const found = this.namedParameters().find(([n]) => n === name);
    if (!found) {
      const names = this.namedParameters().map(([n]) => n);
      throw new ValueError(
        `${this.constructor.name} has no parameter "${name}"; it has: ${names.join(', ') || 'none'}`,
      );
    }
    return found[1];
  }

  /** Number of parameter elements (only those that require grad with `trainableOnly`). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Calls `fn` on every submodule (children first) and then on this module, like PyTorch's `apply`. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------- modes and gradients

  /** Sets training mode on this module and all submodules (dropout on). */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode on this module and all submodules (dropout off): `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Disposes and clears the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Turns gradients of all parameters on or off (freezing a module: `requiresGrad_(false)`). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * The parameters and persistent buffers by dotted name, as PyTorch's `state_dict()` names them.
   * The values are detached tensors sharing the model's storage (storage is immutable, so they are a
   * snapshot: later training steps do not change them). Disposing them does not affect the model.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this._stateEntries()) out[name] = t.detach();
    return out;
  }

  /**
   * Copies tensors from `stateDict` into the parameters and buffers (in place: references to the
   * parameters, e.g. in an optimizer, stay valid). Every key is checked before anything is loaded; a
   * {@link StateDictError} lists all missing and unexpected keys (in strict mode) and all shape and
   * dtype mismatches. Tensors on another backend are moved to the parameter's.
   */
  loadStateDict(
    stateDict: StateDict | ReadonlyMap<string, Tensor>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const strict = options.strict ?? true;
    const given = new Map<string, unknown>(
      stateDict instanceof Map ? stateDict : Object.entries(stateDict as StateDict),
    );
    const own = this._stateEntries();
    const ownNames = new Set(own.map(([n]) => n));
    const missingKeys = own.map(([n]) => n).filter((n) => !given.has(n));
    const unexpectedKeys = [...given.keys()].filter((n) => !ownNames.has(n));
    const mismatches: StateDictMismatch[] = [];
    for (const [name, target] of own) {
      if (!given.has(name)) continue;
      const value = given.get(name);
      if (!isTensor(value)) {
        mismatches.push({ key: name, kind: 'not-a-tensor', expected: 'Tensor', got: describe(value) });
      } else if (
        value.shape.length !== target.shape.length ||
        value.shape.some((d, i) => d !== target.shape[i])
      ) {
        mismatches.push({ key: name, kind: 'shape', expected: fmt(target.shape), got: fmt(value.shape) });
      } else if (value.dtype !== target.dtype) {
        mismatches.push({ key: name, kind: 'dtype', expected: target.dtype, got: value.dtype });
      }
    }
    const keyProblems = strict && (missingKeys.length > 0 || unexpectedKeys.length > 0);
    if (keyProblems || mismatches.length > 0) {
      const lines: string[] = [];
      if (strict && missingKeys.length > 0) lines.push(`missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length > 0) lines.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      for (const m of mismatches) {
        const what = m.kind === 'not-a-tensor' ? 'value' : m.kind;
        let line = `${what} mismatch for "${m.key}": the model has ${m.expected}, the state dict ${m.got}`;
        if (m.kind === 'dtype')
          line += ` (convert the model with .asType('${m.got}') or the tensor with .asType('${m.expected}'))`;
        lines.push(line);
      }
      throw new StateDictError(
        `loadStateDict: cannot load the state dict into ${this.constructor.name} ` +
          `(${lines.length} problem${lines.length > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`,
        strict ? missingKeys : [],
        strict ? unexpectedKeys : [],
        mismatches,
      );
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const value = given.get(name) as Tensor | undefined;
        if (!value) continue;
        const src = value.to(target.backend);
        target.assign(src);
        if (src !== value) src.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Marks a buffer (a tensor property) as left out of the state dict, like PyTorch's `persistent=False`. */
  protected nonPersistent(name: string): void {
    this._nonPersistent.add(name);
  }

  // ---------------------------------------------------------------- moving and converting

  /**
   * Moves every parameter and buffer to `backend`. Parameters are replaced by new ones (gradients are
   * dropped), so create the optimizer after moving the model.
   */
  to(backend: string | Backend): this {
    this._replaceTensors((t) => noGrad(() => t.to(backend)));
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` (like PyTorch's `model.double()`).
   * Parameters are replaced (gradients are dropped), so create the optimizer afterwards.
   */
  asType(dtype: DType): this {
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new DTypeError(`Module.asType: modules hold floating-point parameters; got dtype ${dtype}`);
    }
    this._replaceTensors((t) =>
      t.dtype === 'float32' || t.dtype === 'float64' ? noGrad(() => t.asType(dtype)) : t,
    );
    return this;
  }

  /** `asType('float32')`. */
  float(): this {
    return this.asType('float32');
  }

  /** `asType('float64')` (gradient checks and PyTorch parity run in float64). */
  double(): this {
    return this.asType('float64');
  }

  /** Disposes every parameter (and its gradient) and buffer. The module cannot be used afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const [, value] of m._ownEntries()) {
        if (!isTensor(value)) continue;
        value.grad?.dispose();
        value.dispose();
      }
    }
  }

  /** `using model = new LSTM(...)` support. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- printing

  /** Extra text shown in {@link toString} after the class name, e.g. `in=3, out=4`. */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-like description of the module tree. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const body = children.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${body.join('\n')}\n)`;
  }

  // ---------------------------------------------------------------- internals

  /** @internal Own properties that may be parameters, buffers or submodules, in definition order. */
  protected _ownEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const key of Object.keys(this)) {
      if (key.startsWith('_') || key === 'training') continue;
      const value = (this as unknown as Record<string, unknown>)[key];
      if (value !== null && typeof value === 'object') out.push([key, value]);
    }
    return out;
  }

  /** @internal Replaces an own parameter or buffer (used by `to` / `asType`). */
  protected _setOwn(name: string, value: Tensor): void {
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  private _ownTensors(kind: TensorKind): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, value] of this._ownEntries()) {
      if (!isTensor(value)) continue;
      if (isParameter(value) === (kind === 'parameter')) out.push([name, value]);
    }
    return out;
  }

  private _namedTensors(kind: TensorKind, prefix: string, recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of modules) {
      for (const [name, t] of m._ownTensors(kind)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  private _stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    // As PyTorch: each module's parameters, then its persistent buffers, then its children's.
    for (const [path, m] of this.namedModules()) {
      const buffers = m._ownTensors('buffer').filter(([name]) => !m._nonPersistent.has(name));
      for (const [name, t] of [...m._ownTensors('parameter'), ...buffers])
        out.push([path ? `${path}.${name}` : name, t]);
    }
    return out;
  }

  private _replaceTensors(fn: (t: Tensor) => Tensor): void {
    const done = new Map<Tensor, Tensor>();
    for (const m of this.modules()) {
      for (const [name, value] of m._ownEntries()) {
        if (!isTensor(value)) continue;
        let next = done.get(value);
        if (!next) {
          const moved = fn(value);
          if (moved === value) next = value;
          else {
            next = isParameter(value) ? new Parameter(moved, value.requiresGrad) : keep(moved);
            if (moved !== next) moved.dispose();
            value.grad?.dispose();
            value.grad = null;
            value.dispose();
          }
          done.set(value, next);
        }
        m._setOwn(name, next);
      }
    }
  }
}

/** @internal */
export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { isTensor?: unknown }).isTensor === true;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : `a ${typeof v}`;
}

// ------------------------------------------------------------------ initialisation

let initSkipped = 0;

/**
 * Builds modules without running their random initialisers (PyTorch's `skip_init`): parameters are
 * created as zeros and the random generator is not advanced. Use it when `loadStateDict` will
 * overwrite every parameter anyway.
 *
 * @example
 * ```ts
 * const model = skipInit(() => new LSTM(300, 512, { numLayers: 2 }));
 * model.loadStateDict(weights);
 * ```
 */
export function skipInit<T>(fn: () => T): T {
  initSkipped++;
  try {
    return fn();
  } finally {
    initSkipped--;
  }
}

/** @internal Whether modules are being built inside {@link skipInit}. */
export function isInitSkipped(): boolean {
  return initSkipped > 0;
}

/** @internal Checks and fills in factory options. */
export function factory(op: string, options: FactoryOptions): { dtype: DType; backend?: string | Backend } {
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`${op}: parameters must be float32 or float64, got dtype ${dtype}`);
  }
  return { dtype, backend: options.backend };
}

/** @internal A parameter drawn from U(-bound, bound) with the default generator (zeros under `skipInit`). */
export function uniformParameter(
  shape: readonly number[],
  bound: number,
  options: FactoryOptions,
): Parameter {
  const opts = factory('uniformParameter', options);
  return noGrad(() => {
    if (isInitSkipped()) return ownParameter(full(shape, 0, opts));
    const u = rand(shape, opts);
    const scaled = u.mul(2 * bound);
    const shifted = scaled.sub(bound);
    u.dispose();
    scaled.dispose();
    return ownParameter(shifted);
  });
}

/** @internal A parameter drawn from N(0, 1) with the default generator (zeros under `skipInit`). */
export function normalParameter(shape: readonly number[], options: FactoryOptions): Parameter {
  const opts = factory('normalParameter', options);
  return noGrad(() => ownParameter(isInitSkipped() ? full(shape, 0, opts) : randn(shape, opts)));
}

/** @internal A parameter filled with `value`. */
export function constantParameter(
  shape: readonly number[],
  value: number,
  options: FactoryOptions,
): Parameter {
  return ownParameter(full(shape, value, factory('constantParameter', options)));
}

/** @internal Wraps a freshly made tensor as a parameter and disposes the temporary. */
export function ownParameter(t: Tensor, requiresGrad = true): Parameter {
  const p = new Parameter(t, requiresGrad);
  t.dispose();
  return p;
}

/** @internal Validates a positive integer size argument. */
export function checkSize(op: string, name: string, value: number, allowZero = false): void {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ValueError(
      `${op}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`,
    );
  }
}
