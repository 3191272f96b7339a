import { RnnError } from '@rnn/tensor';
import { type Program, parseCommand, suggest, UsageError } from './command';
import { commandHelp, programHelp } from './help';

/** Where {@link runCli} writes (default: the process's stdout and stderr). */
export interface CliStreams {
  /** Help and version text. */
  stdout: {
    /** Writes `s` as is (it ends its lines itself). */
    write(s: string): unknown;
  };
  /** Error lines. */
  stderr: {
    /** Writes `s` as is (it ends its lines itself). */
    write(s: string): unknown;
  };
}

/**
 * Runs a program of subcommands on `argv` (default `process.argv.slice(2)`) and returns the exit
 * status: 0 on success (or what the command returned), 2 for a usage error (unknown flag, bad value,
 * missing file, unreadable config), 1 when the command failed. Usage errors and expected failures
 * (bad data, a damaged checkpoint, a missing backend: any `@rnn` error or file-system error) are one
 * line on stderr, `program command: what`; anything else, a bug, is printed with its stack.
 *
 * @example
 * ```ts
 * #!/usr/bin/env node
 * process.exitCode = await runCli({ name: 'mlp-demo', description: '...', commands: { train, eval: evalCmd } });
 * ```
 */
export async function runCli(
  program: Program,
  argv: readonly string[] = process.argv.slice(2),
  streams: CliStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? streams.stderr : streams.stdout).write(programHelp(program));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' && program.version) {
    streams.stdout.write(`${program.version}\n`);
    return 0;
  }
  const command = program.commands[name];
  const names = Object.keys(program.commands);
  if (!command) {
    streams.stderr.write(
      `${program.name}: unknown command ${JSON.stringify(name)}${suggest(name, names)} (expected one of: ${names.join(', ')})\n`,
    );
    return 2;
  }
  const where = `${program.name} ${name}`;
  try {
    const parsed = parseCommand(command, rest, where);
    if (parsed.help) {
      streams.stdout.write(commandHelp(program.name, name, command));
      return 0;
    }
    const status = await command.run(parsed.values, {
      program: program.name,
      command: name,
      positionals: parsed.positionals,
      configFile: parsed.configFile,
    });
    return typeof status === 'number' ? status : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      streams.stderr.write(`${e.message}\n`);
      return 2;
    }
    const err = e as Error & { code?: string };
    if (e instanceof RnnError || (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code))) {
      // One line: a multi-line message (a state-dict mismatch lists its keys) is joined.
      streams.stderr.write(
        `${where}: ${err.message
          .trim()
          .split(/\s*\n\s*/)
          .join('; ')}\n`,
      );
      return 1;
    }
    streams.stderr.write(
      `${where}: unexpected error (a bug; please report it)\n${err?.stack ?? String(e)}\n`,
    );
    return 1;
  }
}
