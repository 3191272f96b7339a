import { type Tensor, ValueError } from '@rnn/tensor';
import { Module } from '../module';

/** A module that maps one tensor to one tensor: what {@link Sequential} chains. */
export interface TensorModule extends Module {
  /** Maps a tensor to a tensor. */
  forward(x: Tensor): Tensor;
}

/**
 * A list of submodules, named `"0"`, `"1"`, … in the state dict (as `torch.nn.ModuleList`). Use it
 * where a module holds a variable number of submodules: plain arrays are not searched for parameters.
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  private readonly _items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules. */
  get length(): number {
    return this._items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const i = index < 0 ? index + this._items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this._items.length) {
      throw new ValueError(
        `${this.constructor.name}: index ${index} is out of range for ${this._items.length} modules`,
      );
    }
    return this._items[i];
  }

  /** Adds a module at the end. */
  append(module: M): this {
    if (!(module instanceof Module)) {
      throw new ValueError(`${this.constructor.name}.append: expected a Module, got ${typeof module}`);
    }
    this._items.push(module);
    return this;
  }

  /** Adds modules at the end. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The modules, in order. */
  [Symbol.iterator](): Iterator<M> {
    return this._items[Symbol.iterator]();
  }

  override namedChildren(): [string, Module][] {
    return this._items.map((m, i) => [String(i), m]);
  }
}

/**
 * Submodules by name (as `torch.nn.ModuleDict`): the names become state-dict key segments, in
 * insertion order.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  private readonly _items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries =
      Symbol.iterator in modules ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Number of modules. */
  get size(): number {
    return this._items.size;
  }

  /** The module named `key`, or `undefined`. */
  get(key: string): M | undefined {
    return this._items.get(key);
  }

  /** Whether a module is named `key`. */
  has(key: string): boolean {
    return this._items.has(key);
  }

  /** Adds or replaces the module named `key` (a name without dots). */
  set(key: string, module: M): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      throw new ValueError(
        `ModuleDict: keys must be non-empty strings without dots, got ${JSON.stringify(key)}`,
      );
    }
    if (!(module instanceof Module)) throw new ValueError(`ModuleDict.set: expected a Module for "${key}"`);
    this._items.set(key, module);
    return this;
  }

  /** Removes the module named `key`; returns whether it was there. */
  delete(key: string): boolean {
    return this._items.delete(key);
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return [...this._items.keys()];
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return [...this._items.values()];
  }

  /** `[name, module]` pairs, in insertion order. */
  entries(): [string, M][] {
    return [...this._items.entries()];
  }

  override namedChildren(): [string, Module][] {
    return this.entries();
  }
}

/**
 * Modules applied one after another (as `torch.nn.Sequential`): `forward(x)` is
 * `mN.forward(…m1.forward(m0.forward(x)))`. Children are named `"0"`, `"1"`, ….
 */
export class Sequential extends ModuleList<TensorModule> {
  constructor(...modules: TensorModule[]) {
    super(modules);
  }

  /** Runs the modules in order. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) y = m.forward(y);
    return y;
  }
}
