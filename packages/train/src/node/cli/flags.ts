/**
 * Typed flag definitions for app command lines: each builder returns a {@link Flag} whose type
 * parameter is the parsed value's type (`number`, `'cpu' | 'webgpu'`, ...; `| undefined` when the
 * flag has neither a default nor `required`), so a command's parsed configuration is fully typed.
 */

/** One flag: how to parse and check it, and how `--help` describes it. */
export interface Flag<T> {
  /** What kind of value it takes (switches are `boolean`). */
  readonly kind: 'string' | 'int' | 'number' | 'boolean' | 'choice' | 'path';
  /** One line for `--help`. */
  readonly help: string;
  /** The value when the flag is given neither on the command line nor in the config file. */
  readonly default?: T;
  /** Must be given (on the command line or in the config file). */
  readonly required?: boolean;
  /** A one-letter alias (`-n`). */
  readonly short?: string;
  /** The value's placeholder in `--help` (`N`, `X`, `DIR`, `a|b`). */
  readonly valueName: string;
  /** What a valid value is, for `--help` and errors ("an integer >= 1"). */
  readonly expected: string;
  /** For paths: whether it must exist, as a file or a folder. */
  readonly mustExist?: 'file' | 'dir';
  /**
   * Converts a command-line string (or a config file's JSON value) to the flag's type; throws a
   * {@link FlagValueError} when it is not valid.
   */
  parse(value: unknown): T;
}

/** A flag value that does not fit: the message is what was expected. */
export class FlagValueError extends Error {}

/** A command's flags, by camelCase name (`batchSize` is `--batch-size`). */
// biome-ignore lint/suspicious/noExplicitAny: a set of flags of different value types
export type FlagSet = Record<string, Flag<any>>;

/** The parsed values of a {@link FlagSet}. */
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

type Value<O, T> = O extends { default: T } ? T : O extends { required: true } ? T : T | undefined;

interface Common<T> {
  /** One line for `--help`. */
  help: string;
  /** The value when the flag is not given. */
  default?: T;
  /** Must be given (on the command line or in the config file). */
  required?: boolean;
  /** A one-letter alias. */
  short?: string;
}

/** Options of the numeric flags. */
export interface NumberFlagOptions extends Common<number> {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Values must be greater than this (exclusive), e.g. 0 for a learning rate. */
  above?: number;
}

function bounds(o: NumberFlagOptions): string {
  const parts: string[] = [];
  if (o.above !== undefined) parts.push(`> ${o.above}`);
  if (o.min !== undefined) parts.push(`>= ${o.min}`);
  if (o.max !== undefined) parts.push(`<= ${o.max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function toNumber(value: unknown, expected: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n)) throw new FlagValueError(expected);
  return n;
}

function numeric(kind: 'int' | 'number', o: NumberFlagOptions): Flag<number> {
  const expected = `${kind === 'int' ? 'an integer' : 'a number'}${bounds(o)}`;
  return {
    kind,
    help: o.help,
    default: o.default,
    required: o.required,
    short: o.short,
    valueName: kind === 'int' ? 'N' : 'X',
    expected,
    parse(value) {
      const n = toNumber(value, expected);
      if (kind === 'int' && !Number.isSafeInteger(n)) throw new FlagValueError(expected);
      if (o.min !== undefined && n < o.min) throw new FlagValueError(expected);
      if (o.max !== undefined && n > o.max) throw new FlagValueError(expected);
      if (o.above !== undefined && !(n > o.above)) throw new FlagValueError(expected);
      return n;
    },
  };
}

/** Options of {@link flags.path}. */
export interface PathFlagOptions extends Common<string> {
  /** Check that it exists, as a file or a folder, before the command runs. */
  mustExist?: 'file' | 'dir';
  /** Placeholder in `--help` (default `DIR` for folders, else `FILE`). */
  valueName?: string;
}

/** The flag builders. */
export const flags = {
  /** An integer flag (`--epochs 10`). */
  int<const O extends NumberFlagOptions>(o: O): Flag<Value<O, number>> {
    return numeric('int', o) as Flag<Value<O, number>>;
  },

  /** A number flag (`--lr 1e-3`). */
  number<const O extends NumberFlagOptions>(o: O): Flag<Value<O, number>> {
    return numeric('number', o) as Flag<Value<O, number>>;
  },

  /** A string flag. */
  string<const O extends Common<string> & { valueName?: string }>(o: O): Flag<Value<O, string>> {
    return {
      kind: 'string',
      help: o.help,
      default: o.default,
      required: o.required,
      short: o.short,
      valueName: o.valueName ?? 'TEXT',
      expected: 'a string',
      parse(value) {
        if (typeof value !== 'string') throw new FlagValueError('a string');
        return value;
      },
    } as Flag<Value<O, string>>;
  },

  /** A switch: `--name` sets it, `--no-name` clears it (default false unless given). */
  boolean(o: { help: string; default?: boolean; short?: string }): Flag<boolean> {
    return {
      kind: 'boolean',
      help: o.help,
      default: o.default ?? false,
      short: o.short,
      valueName: '',
      expected: 'true or false',
      parse(value) {
        if (typeof value === 'boolean') return value;
        if (value === 'true') return true;
        if (value === 'false') return false;
        throw new FlagValueError('true or false');
      },
    };
  },

  /** One of a fixed set of strings (`--optimizer adam|sgd`). */
  choice<const C extends readonly string[], const O extends Common<C[number]>>(
    choices: C,
    o: O,
  ): Flag<Value<O, C[number]>> {
    const expected = `one of ${choices.join(', ')}`;
    return {
      kind: 'choice',
      help: o.help,
      default: o.default,
      required: o.required,
      short: o.short,
      valueName: choices.join('|'),
      expected,
      parse(value) {
        if (typeof value !== 'string' || !choices.includes(value)) throw new FlagValueError(expected);
        return value;
      },
    } as Flag<Value<O, C[number]>>;
  },

  /**
   * A file or folder. Relative paths in a config file are taken relative to that file's folder;
   * on the command line, relative to the working directory.
   */
  path<const O extends PathFlagOptions>(o: O): Flag<Value<O, string>> {
    const expected = o.mustExist === 'dir' ? 'a folder' : o.mustExist === 'file' ? 'a file' : 'a path';
    return {
      kind: 'path',
      help: o.help,
      default: o.default,
      required: o.required,
      short: o.short,
      valueName: o.valueName ?? (o.mustExist === 'dir' ? 'DIR' : 'FILE'),
      expected,
      mustExist: o.mustExist,
      parse(value) {
        if (typeof value !== 'string' || value === '') throw new FlagValueError(expected);
        return value;
      },
    } as Flag<Value<O, string>>;
  },
};

/** `batchSize` → `batch-size`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
