import {
  DTypeError,
  type FusedOp,
  keep,
  noGrad,
  runFused,
  ShapeError,
  type Tensor,
  tidy,
  ValueError,
  zerosLike,
} from '@rnn/tensor';

/** Per-parameter optimizer state: tensors (moment estimates, buffers) and numbers (the step count). */
export type ParamState = Record<string, Tensor | number>;

/** Hyper-parameters every optimizer has. */
export interface BaseOptimizerOptions {
  /** Learning rate. */
  lr: number;
}

/**
 * A parameter group: parameters sharing hyper-parameters, as in PyTorch's `param_groups`. Schedulers
 * change `lr` here; `initialLr` is set by the first scheduler attached (PyTorch's `initial_lr`).
 */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };

/** A parameter group as given to an optimizer: its own options override the optimizer's defaults. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/** What an optimizer optimizes: parameters (one group), or a list of parameter groups. */
export type OptimizerParams<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** A parameter group in a state dict: hyper-parameters plus parameter indices (PyTorch's layout). */
export interface ParamGroupState {
  /** Indices of the group's parameters, numbered across groups in order. */
  params: number[];
  [hyperParameter: string]: unknown;
}

/**
 * An optimizer's state for resuming, laid out as PyTorch's `optimizer.state_dict()`: per-parameter
 * state keyed by parameter index (tensor keys named as PyTorch names them, e.g. `exp_avg`), and the
 * groups' hyper-parameters (named as this library's options, e.g. `weightDecay`).
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: ParamGroupState[];
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { isTensor?: unknown }).isTensor === true;
}

/**
 * Base class of the optimizers: parameter groups, `step()`, `zeroGrad()`, `stateDict()` and
 * `loadStateDict()`. Subclasses implement one parameter's update.
 *
 * Every update runs under `noGrad` inside a `tidy`, writes parameters with `Tensor.assign`, and keeps
 * its state in tensors created with `keep()` and updated in place with `assign`, so memory scopes
 * never dispose them and a step leaves no tensor behind.
 */
export abstract class Optimizer<O extends BaseOptimizerOptions = BaseOptimizerOptions> {
  /** The parameter groups, in order. Change `lr` (or any option) here to change it for the next step. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Defaults for groups that do not set an option. */
  readonly defaults: Readonly<Partial<O>>;
  /** Per-parameter state, created on a parameter's first update (or at construction, for Adagrad). */
  protected readonly state = new Map<Tensor, ParamState>();
  /** Name used in error messages (a getter, so it works during construction). */
  protected abstract get name(): string;

  /**
   * @param params - parameters (one group) or parameter groups
   * @param defaults - options for groups that do not set them.
   */
  constructor(params: OptimizerParams<O>, defaults: Partial<O>) {
    this.defaults = { ...defaults };
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError('optimizer got an empty parameter list');
    if (list.every(isTensor)) this.addParamGroup({ params: list } as unknown as ParamGroupSpec<O>);
    else if (list.every((g) => typeof g === 'object' && g !== null && !isTensor(g) && 'params' in g)) {
      for (const g of list) this.addParamGroup(g as ParamGroupSpec<O>);
    } else {
      throw new ValueError(
        'optimizer: params must be tensors, or parameter groups { params, ...options }, not a mix',
      );
    }
  }

  /** Adds a parameter group (e.g. when unfreezing layers); options it omits come from the defaults. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const params = isTensor(spec.params) ? [spec.params as Tensor] : [...spec.params];
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!isTensor(p))
        throw new ValueError(`${this.name}: a parameter group holds something that is not a tensor`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new DTypeError(`${this.name}: can only optimize floating-point tensors, got ${p.dtype}`);
      }
      if (!p.isLeaf)
        throw new ValueError(`${this.name}: can't optimize a non-leaf tensor (one computed by an op)`);
      if (seen.has(p))
        throw new ValueError(`${this.name}: a parameter group contains the same parameter twice`);
      seen.add(p);
      if (this.paramGroups.some((g) => g.params.includes(p))) {
        throw new ValueError(`${this.name}: some parameters appear in more than one parameter group`);
      }
    }
    const { params: _params, ...options } = spec;
    const group = { ...copyValues(this.defaults), ...copyValues(options), params } as ParamGroup<O>;
    this.checkGroup(group);
    this.paramGroups.push(group);
    this.initGroup(group);
  }

  /** Throws a `ValueError` for invalid hyper-parameters (PyTorch's checks). */
  protected checkGroup(group: ParamGroup<O>): void {
    if (typeof group.lr !== 'number') throw new ValueError(`${this.name}: no learning rate given (set lr)`);
    nonNegative(this.name, 'lr', group.lr);
  }

  /** Creates state eagerly where PyTorch does (Adagrad); nothing by default. */
  protected initGroup(_group: ParamGroup<O>): void {}

  /** Updates one parameter from its gradient; `state` starts empty on the first call. */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<O>, state: ParamState): void;

  /** Updates every parameter that has a gradient (parameters whose `grad` is null are skipped, as in PyTorch). */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (!g) continue;
            let st = this.state.get(p);
            if (!st) {
              st = {};
              this.state.set(p, st);
            }
            this.update(p, g, group, st);
          }
        }
      }),
    );
  }

  /**
   * Clears the gradients of all parameters: disposes them and sets `grad` to null (PyTorch 2's
   * default), or with `setToNone: false` replaces them by zeros.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (setToNone) {
          g.dispose();
          p.grad = null;
        } else {
          const zeros = zerosLike(g);
          g.assign(zeros);
          zeros.dispose();
        }
      }
    }
  }

  /**
   * The state for resuming: hyper-parameters of every group and every parameter's state. Tensors are
   * the optimizer's own (live, updated by later steps): serialize them, do not dispose them.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return {
        ...copyValues(hyper as Record<string, unknown>),
        params: params.map((p) => {
          index.set(p, index.size);
          return index.size - 1;
        }),
      };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...st };
    }
    return { state, paramGroups };
  }

  /**
   * Restores a {@link Optimizer.stateDict | stateDict()}: group hyper-parameters (parameters stay this optimizer's own) and
   * per-parameter state, copied to each parameter's backend and dtype. The groups must have the same
   * sizes as this optimizer's. The given tensors are copied, so the caller may dispose them.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = stateDict.paramGroups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new ValueError(
        `${this.name}.loadStateDict: the state dict has ${Array.isArray(groups) ? groups.length : 'no'} parameter groups, ` +
          `the optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Tensor>();
    groups.forEach((saved, gi) => {
      const own = this.paramGroups[gi];
      if (!Array.isArray(saved.params) || saved.params.length !== own.params.length) {
        throw new ValueError(
          `${this.name}.loadStateDict: parameter group ${gi} has ${saved.params?.length} parameters in the state dict, ` +
            `${own.params.length} in the optimizer`,
        );
      }
      saved.params.forEach((id, k) => {
        byIndex.set(id, own.params[k]);
      });
    });
    const restored = new Map<Tensor, ParamState>();
    try {
      for (const [key, st] of Object.entries(stateDict.state ?? {})) {
        const p = byIndex.get(Number(key));
        if (!p) {
          throw new ValueError(
            `${this.name}.loadStateDict: state for parameter ${key}, which no group contains`,
          );
        }
        const copy: ParamState = {};
        restored.set(p, copy);
        for (const [name, v] of Object.entries(st)) {
          if (typeof v === 'number') copy[name] = v;
          else if (isTensor(v)) {
            if (v.ndim !== p.ndim || v.shape.some((d, i) => d !== p.shape[i])) {
              throw new ShapeError(
                `${this.name}.loadStateDict: state "${name}" of parameter ${key} has shape [${v.shape.join(', ')}], ` +
                  `the parameter [${p.shape.join(', ')}]`,
              );
            }
            copy[name] = noGrad(() => tidy(() => keep(v.to(p.backend).asType(p.dtype).clone())));
          } else {
            throw new ValueError(
              `${this.name}.loadStateDict: state "${name}" of parameter ${key} is neither a tensor nor a number`,
            );
          }
        }
      }
    } catch (e) {
      for (const st of restored.values()) disposeState(st);
      throw e;
    }
    for (const st of this.state.values()) disposeState(st);
    this.state.clear();
    for (const [p, st] of restored) this.state.set(p, st);
    groups.forEach((saved, gi) => {
      const { params: _params, ...hyper } = saved;
      Object.assign(this.paramGroups[gi], copyValues(hyper));
      this.checkGroup(this.paramGroups[gi]);
    });
  }

  /** Frees the optimizer's state tensors (the optimizer starts afresh if stepped again). */
  dispose(): void {
    for (const st of this.state.values()) disposeState(st);
    this.state.clear();
  }

  // ---------------------------------------------------------------- helpers for subclasses

  /** The state tensor `key`, created as kept zeros like `param` on first use. */
  protected buffer(state: ParamState, key: string, param: Tensor, fill = 0): Tensor {
    let t = state[key];
    if (!isTensor(t)) {
      t = keep(fill === 0 ? zerosLike(param) : param.fullLike(fill));
      state[key] = t;
    }
    return t;
  }

  /** Runs a fused update and writes its outputs into `targets` (parameter first, then state). */
  protected apply(
    op: FusedOp,
    targets: readonly Tensor[],
    inputs: readonly Tensor[],
    attrs: Record<string, unknown>,
  ): void {
    const outs = runFused(op, inputs, attrs);
    targets.forEach((t, i) => {
      t.assign(outs[i]);
    });
  }
}

function disposeState(st: ParamState): void {
  for (const v of Object.values(st)) if (isTensor(v)) v.dispose();
}

/** Copies plain option values (arrays copied, so groups never share a mutable `betas`). */
function copyValues<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

/** @internal */
export function nonNegative(op: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0))
    throw new ValueError(`${op}: invalid ${what}: ${v} (expected a number >= 0)`);
}
