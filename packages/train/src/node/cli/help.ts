import type { Command, Program } from './command';
import { type Flag, type FlagSet, kebabCase } from './flags';

const COLUMN = 30;

function row(left: string, right: string): string {
  return left.length + 2 <= COLUMN
    ? `  ${left.padEnd(COLUMN - 2)}${right}`
    : `  ${left}\n${' '.repeat(COLUMN)}${right}`;
}

// biome-ignore lint/suspicious/noExplicitAny: flags of any value type
function describeFlag(flag: Flag<any>): string {
  const notes: string[] = [];
  if (flag.kind === 'boolean') {
    notes.push(flag.default ? 'default on' : 'default off');
  } else {
    if (flag.kind === 'int' || flag.kind === 'number' || flag.mustExist) notes.push(flag.expected);
    if (flag.required) notes.push('required');
    else if (flag.default !== undefined) notes.push(`default ${flag.default}`);
  }
  return notes.length ? `${flag.help} (${notes.join('; ')})` : flag.help;
}

/** The `--help` text of one command. */
// biome-ignore lint/suspicious/noExplicitAny: commands with different flag sets
export function commandHelp(program: string, name: string, command: Command<any>): string {
  const p = command.positionals;
  const usage = `usage: ${program} ${name} [flags]${p ? ` ${p.min ? p.name : `[${p.name}]`}${(p.max ?? 2) > 1 ? '...' : ''}` : ''}`;
  const lines = [usage, '', command.description, ''];
  if (p) lines.push('arguments:', row(p.name, p.help), '');
  lines.push('flags:');
  for (const [key, flag] of Object.entries(command.flags as FlagSet)) {
    const name = kebabCase(key);
    const short = flag.short ? `-${flag.short}, ` : '';
    const left = flag.kind === 'boolean' ? `${short}--[no-]${name}` : `${short}--${name} ${flag.valueName}`;
    lines.push(row(left, describeFlag(flag)));
  }
  lines.push(row('--config FILE', 'JSON object of flag values (keys: the flag names); flags given here win'));
  lines.push(row('-h, --help', 'show this help'));
  if (command.examples?.length) lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** The `--help` text of a program: its commands. */
export function programHelp(program: Program): string {
  const lines = [`usage: ${program.name} <command> [flags]`, '', program.description, '', 'commands:'];
  for (const [name, c] of Object.entries(program.commands))
    lines.push(row(name, c.description.split('\n')[0]));
  lines.push('', `Run "${program.name} <command> --help" for the flags of a command.`);
  return `${lines.join('\n')}\n`;
}
