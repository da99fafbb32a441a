/**
 * Declarative commands (style-anchors §15): each command is one file in `cli/commands/` (or in an optional
 * package), exporting `defineCommand({...})`. This module is the leaf every command imports (as `blockwatch/cli`):
 * it knows nothing of the command list, so the packages that add commands do not import the CLI that runs them. The option table drives parsing (node:util parseArgs, strict),
 * `--help` text and validation; `run` gets typed values and an injectable context, so tests call commands
 * directly without spawning processes.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { urlProblem } from '../probe/test-list.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. "FILE" */
  arg?: string;
  description: string;
  default?: string | boolean | string[];
}

export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true
    ? boolean[]
    : boolean | undefined
  : S['multiple'] extends true
    ? string[] | undefined
    : string | undefined;

export type OptionValues<T extends OptionTable> = { [K in keyof T]: ValueOf<T[K]> };

export interface CommandContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly. */
  signal: AbortSignal;
}

export interface Command<T extends OptionTable = OptionTable> {
  name: string;
  summary: string;
  /** e.g. "[URL…] [options]" */
  usage: string;
  /** Longer help paragraphs, examples. */
  details?: string;
  options: T;
  /** Whether positionals are accepted (default false). */
  positionals?: boolean;
  /** Returns the exit code (default 0). Throw UsageError / BlockwatchError for bad input. */
  run(args: { values: OptionValues<T>; positionals: string[] }, ctx: CommandContext): Promise<number | undefined>;
}

/**
 * A command as the top-level help lists it, before its module is loaded: `load` imports the module (which may
 * pull in a database engine or the lab), so `blockwatch --help` stays fast. A package that adds commands exports
 * a list of these as `commands` from its `cli` entry point.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ default: Command }>;
}

/** Returns its input: exists so the option table types `run`'s values (citty's trick). */
export function defineCommand<T extends OptionTable>(command: Command<T>): Command<T> {
  return command;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

export function parseCommandArgs<T extends OptionTable>(
  command: Command<T>,
  argv: string[],
): { values: OptionValues<T>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries({ ...command.options, help: HELP_OPTION })) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), multiple: !!spec.multiple };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are precise ("Unknown option '--foo'"); keep them, drop Node's hint text.
    const message = (err as Error).message.split('. To specify')[0] ?? String(err);
    throw new UsageError(`${command.name}: ${message}`);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) return { values: values as OptionValues<T>, positionals: parsed.positionals, help: true };
  if (!command.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`${command.name}: unexpected argument '${parsed.positionals[0]}'`);
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  }
  return { values: values as OptionValues<T>, positionals: parsed.positionals, help: false };
}

export function renderHelp(command: Command, program = 'blockwatch'): string {
  const lines = [`Usage: ${program} ${command.name} ${command.usage}`.trimEnd(), '', command.summary, ''];
  if (command.details) lines.push(command.details.trim(), '');
  lines.push('Options:');
  const rows = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.arg ?? 'VALUE'}` : ''}`;
    const def =
      spec.default !== undefined && spec.default !== false ? ` (default: ${JSON.stringify(spec.default)})` : '';
    return [flag, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}${def}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [flag, text] of rows) lines.push(`  ${flag.padEnd(width)}${text}`);
  return `${lines.join('\n')}\n`;
}

/** Parses a positive integer option, naming the option in the error. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 1, max = 1e9): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got '${value}'`);
  }
  return n;
}

/** Parses a positive number of seconds, naming the option in the error. */
export function secondsOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, got '${value}'`);
  return n;
}

/** --lab-time: an ISO 8601 instant with its zone (a replay must not depend on the machine's time zone). */
export function labTimeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`--lab-time must be an ISO 8601 time with a zone, e.g. 2014-11-24T10:00Z, got '${value}'`);
  return ms;
}

/** An http(s) URL option, checked like a test-list URL. */
export function httpUrlOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = urlProblem(value);
  if (problem) throw new UsageError(`--${name}: ${problem}`);
  return value;
}
