import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RnnError } from '@rnn/tensor';
import { type FlagSet, FlagValueError, type FlagValues, kebabCase } from './flags';

/** A mistake on the command line or in the config file: the message says what, where, expected vs got. */
export class UsageError extends RnnError {}

/** What a command's `run` receives besides its flag values. */
export interface CommandContext {
  /** The program's name (`mlp-demo`). */
  program: string;
  /** The command's name (`train`). */
  command: string;
  /** Arguments that are not flags (for commands that take them). */
  positionals: string[];
  /** The config file read, if any. */
  configFile?: string;
}

/** A subcommand: its flags, its `--help` text, and what it does. */
export interface Command<F extends FlagSet = FlagSet> {
  /** One paragraph for `--help` (the first line also lists it in the program's help). */
  description: string;
  /** The command's flags, by camelCase name. */
  flags: F;
  /** Arguments that are not flags, e.g. `{ name: 'RUN_DIR', min: 1 }` (default: none allowed). */
  positionals?: { name: string; help: string; min?: number; max?: number };
  /** Example command lines for `--help`. */
  examples?: string[];
  /** Does the work; may return the exit status (default 0). */
  run(values: FlagValues<F>, context: CommandContext): unknown;
}

/** Identity, for type inference: `defineCommand({ flags: {...}, run(values) {...} })` types `values`. */
export function defineCommand<F extends FlagSet>(command: Command<F>): Command<F> {
  return command;
}

/** A program of subcommands (`mlp-demo train|eval|predict`). */
export interface Program {
  /** The bin's name, used in messages and `--help`. */
  name: string;
  /** One paragraph for `--help`. */
  description: string;
  /** Printed by `--version`. */
  version?: string;
  /** The subcommands, by name. */
  // biome-ignore lint/suspicious/noExplicitAny: commands with different flag sets
  commands: Record<string, Command<any>>;
}

/** The result of {@link parseCommand}: the help was asked for, or validated values. */
export type ParsedCommand<F extends FlagSet> =
  | { help: true }
  | { help: false; values: FlagValues<F>; positionals: string[]; configFile?: string };

/**
 * Parses and validates a command's arguments: flags (`--name value`, `--name=value`, `--flag`,
 * `--no-flag`) over an optional `--config FILE` (JSON object keyed by flag names, kebab-case or
 * camelCase) over the defaults. Every problem is a {@link UsageError} of one line.
 */
export function parseCommand<F extends FlagSet>(
  command: Command<F>,
  argv: readonly string[],
  where = 'command',
): ParsedCommand<F> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string' },
  };
  const byCli = new Map<string, string>(); // kebab → camel
  for (const [key, flag] of Object.entries(command.flags)) {
    const name = kebabCase(key);
    byCli.set(name, key);
    options[name] = {
      type: flag.kind === 'boolean' ? 'boolean' : 'string',
      ...(flag.short ? { short: flag.short } : {}),
    };
    if (flag.kind === 'boolean') options[`no-${name}`] = { type: 'boolean' };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: command.positionals !== undefined,
    }) as typeof parsed;
  } catch (e) {
    throw new UsageError(
      `${where}: ${parseArgsMessage(e as Error & { code?: string }, Object.keys(options))}`,
    );
  }
  if (parsed.values.help) return { help: true };

  // The config file, if any.
  const configFile = parsed.values.config as string | undefined;
  const fromConfig = new Map<string, unknown>();
  if (configFile !== undefined) {
    for (const [k, v] of Object.entries(readConfig(configFile))) {
      const key = byCli.get(k) ?? (k in command.flags ? k : undefined);
      if (key === undefined) {
        throw new UsageError(
          `${configFile}: unknown key "${k}"${suggest(k, [...byCli.keys()])} (expected one of: ${[...byCli.keys()].join(', ')})`,
        );
      }
      fromConfig.set(key, v);
    }
  }

  const values: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(command.flags)) {
    const name = kebabCase(key);
    let raw: unknown;
    let source: string;
    if (parsed.values[name] !== undefined) {
      raw = parsed.values[name];
      source = `--${name}`;
    } else if (parsed.values[`no-${name}`]) {
      raw = false;
      source = `--no-${name}`;
    } else if (fromConfig.has(key)) {
      raw = fromConfig.get(key);
      source = `${configFile}: "${name}"`;
      if (flag.kind === 'path' && typeof raw === 'string') raw = resolve(dirname(configFile!), raw);
    } else if (flag.default !== undefined) {
      values[key] = flag.default;
      continue;
    } else if (flag.required) {
      throw new UsageError(`${where}: --${name} is required (expected ${flag.expected})`);
    } else {
      values[key] = undefined;
      continue;
    }
    try {
      values[key] = flag.parse(raw);
    } catch (e) {
      if (!(e instanceof FlagValueError)) throw e;
      throw new UsageError(`${where}: ${source}: expected ${e.message}, got ${JSON.stringify(raw)}`);
    }
    if (flag.mustExist) checkExists(`${where}: ${source}`, values[key] as string, flag.mustExist);
  }

  const positionals = parsed.positionals;
  const p = command.positionals;
  if (p) {
    const min = p.min ?? 0;
    const max = p.max ?? Number.POSITIVE_INFINITY;
    if (positionals.length < min || positionals.length > max) {
      const want =
        min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
      throw new UsageError(`${where}: expected ${want} ${p.name} argument(s), got ${positionals.length}`);
    }
  }
  return { help: false, values: values as FlagValues<F>, positionals, configFile };
}

function readConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--config ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `${file}: expected a JSON object of flag values, got invalid JSON (${(e as Error).message})`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(
      `${file}: expected a JSON object of flag values, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

function checkExists(where: string, path: string, kind: 'file' | 'dir'): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new UsageError(
      `${where}: expected ${kind === 'dir' ? 'a folder' : 'a file'}, got "${path}", which does not exist`,
    );
  }
  if (isDir !== (kind === 'dir')) {
    throw new UsageError(
      `${where}: expected ${kind === 'dir' ? 'a folder' : 'a file'}, got "${path}", which is a ${isDir ? 'folder' : 'file'}`,
    );
  }
}

/** Rewrites `util.parseArgs` errors as one readable line. */
function parseArgsMessage(e: Error & { code?: string }, known: string[]): string {
  const option = /'(-{1,2}[^' =]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (option && /^-[\d.]/.test(option)) {
        return `unknown flag ${option} (to pass a negative number as an argument, put -- before the arguments)`;
      }
      return `unknown flag ${option}${suggest(option?.replace(/^-+/, '') ?? '', known, '--')} (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(e.message)?.[1];
      return `unexpected argument ${JSON.stringify(arg)}: this command takes only flags (see --help)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(e.message)) return `${option?.split(' ')[0]} needs a value`;
      if (/does not take an argument/.test(e.message)) return `${option} is a switch and takes no value`;
      if (/ambiguous/.test(e.message))
        return `${option}: to give a value that starts with "-", write ${option}=VALUE`;
      return e.message.split('\n')[0];
    default:
      return e.message.split('\n')[0];
  }
}

/** ` (did you mean --lr?)` for a close known name, else ''. */
export function suggest(name: string, known: readonly string[], prefix = ''): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean ${prefix}${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
