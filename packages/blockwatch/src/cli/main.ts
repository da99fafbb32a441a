/**
 * The CLI entry: picks a command, parses its flags, runs it. The only place that sets process.exitCode.
 *
 * The probe install's own commands are listed in `commands/index.ts`. The optional packages (@blockwatch/server,
 * @blockwatch/lab) depend on this one, never the reverse: each lists its commands in its `cli` entry point, which
 * is imported here by name at run time only, so the probe's install (the `blockwatch` package alone) stays light
 * (no database engine, no browser) and says what to install for a command it lacks.
 */
import { setMaxListeners } from 'node:events';
import { BlockwatchError, UsageError } from '../errors.ts';
import { type Command, type CommandContext, type CommandEntry, parseCommandArgs, renderHelp } from './command.ts';
import { commands as builtIn } from './commands/index.ts';

/**
 * The packages that add commands, with the names of those commands: the names let `blockwatch serve` without
 * the package say what to install; the commands themselves (summary, module) come from the package.
 */
export const COMMAND_PACKAGES = [
  { package: '@blockwatch/server', names: ['serve', 'import', 'events', 'history', 'quarantine', 'registry'] },
  { package: '@blockwatch/lab', names: ['lab'] },
] as const;

export interface ListedCommand extends CommandEntry {
  /** The package that provides the command, when it is not part of the probe install. */
  fromPackage?: string;
  /** False when that package is not installed (`load` then throws BW_ERR_NOT_INSTALLED). */
  installed: boolean;
}

/**
 * A package's `cli` entry point. The specifier is a plain string on purpose: this package does not depend on
 * those packages (they depend on it), so neither the type checker nor the build may follow the import.
 */
async function packageCommands(name: string): Promise<CommandEntry[] | null> {
  const specifier = `${name}/cli`;
  try {
    const module = (await import(specifier)) as { commands?: CommandEntry[] };
    if (!Array.isArray(module.commands)) throw new Error(`${specifier} exports no 'commands' list`);
    return module.commands;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
    if (missing && String((err as Error).message).includes(name)) return null;
    throw err;
  }
}

function notInstalled(name: string, fromPackage: string): CommandEntry['load'] {
  return () =>
    Promise.reject(
      new BlockwatchError(
        'BW_ERR_NOT_INSTALLED',
        `'blockwatch ${name}' needs the ${fromPackage} package: npm install ${fromPackage}`,
      ),
    );
}

/** Every command, in help order: the probe install's, then each package's (or its placeholders when absent). */
export async function listCommands(): Promise<ListedCommand[]> {
  const listed: ListedCommand[] = builtIn.map((c) => ({ ...c, installed: true }));
  for (const { package: fromPackage, names } of COMMAND_PACKAGES) {
    const provided = await packageCommands(fromPackage);
    for (const name of names) {
      const entry = provided?.find((c) => c.name === name);
      listed.push(
        entry
          ? { ...entry, fromPackage, installed: true }
          : {
              name,
              summary: `(not installed: npm install ${fromPackage})`,
              fromPackage,
              installed: false,
              load: notInstalled(name, fromPackage),
            },
      );
    }
  }
  return listed;
}

function topLevelHelp(commands: ListedCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: blockwatch <command> [options]',
    '',
    'blockwatch measures internet censorship and turns it into evidence anyone can check.',
    '',
    'Commands:',
    ...commands.map(
      (c) => `  ${c.name.padEnd(width)}${c.summary}${c.installed && c.fromPackage ? ` [${c.fromPackage}]` : ''}`,
    ),
    '',
    "Run 'blockwatch <command> --help' for the options of a command.",
    '',
  ].join('\n');
}

export function defaultContext(): CommandContext {
  const controller = new AbortController();
  // Every operation in flight listens to this one signal (`probe --concurrency 32`: hundreds); not a leak.
  setMaxListeners(0, controller.signal);
  // First signal: abort cleanly (commands watch ctx.signal). Second: exit now.
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}

/** A command by name, loading only the package that provides it. */
async function findCommand(name: string): Promise<CommandEntry | undefined> {
  const own = builtIn.find((c) => c.name === name);
  if (own) return own;
  const owner = COMMAND_PACKAGES.find((p) => (p.names as readonly string[]).includes(name));
  if (!owner) return undefined;
  const provided = await packageCommands(owner.package);
  return provided
    ? provided.find((c) => c.name === name)
    : { name, summary: '', load: notInstalled(name, owner.package) };
}

/** Runs one command line; returns the exit code (also used by tests, with an injected context). */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(topLevelHelp(await listCommands()));
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    ctx.stdout.write('blockwatch 0.1.0\n');
    return 0;
  }
  let entry: CommandEntry | undefined;
  try {
    entry = await findCommand(name);
    if (!entry) throw new UsageError(`unknown command '${name}'`);
    const command: Command = (await entry.load()).default;
    const { values, positionals, help } = parseCommandArgs(command, rest);
    if (help) {
      ctx.stdout.write(renderHelp(command));
      return 0;
    }
    return (await command.run({ values, positionals }, ctx)) ?? 0;
  } catch (err) {
    if (BlockwatchError.is(err)) {
      ctx.stderr.write(`blockwatch: ${err.message}\n`);
      if (err.code === 'BW_ERR_USAGE') ctx.stderr.write(`Run 'blockwatch ${entry?.name ?? ''} --help' for usage.\n`);
      return 2;
    }
    ctx.stderr.write(`blockwatch: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 70;
  }
}

export async function main(argv: string[]): Promise<void> {
  // `blockwatch … | head`: the reader went away; stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await runCli(argv, defaultContext());
}
