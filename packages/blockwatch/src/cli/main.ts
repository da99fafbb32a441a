/**
 * The CLI entry: picks a command, parses its flags, runs it. The only place that sets process.exitCode.
 *
 * Commands from the optional packages (@blockwatch/server, @blockwatch/lab) are loaded lazily, so the probe's
 * own install (the `blockwatch` package alone) stays light: no database engine, no browser.
 */
import { setMaxListeners } from 'node:events';
import { BlockwatchError, UsageError } from '../errors.ts';
import { type Command, type CommandContext, parseCommandArgs, renderHelp } from './command.ts';

interface CommandEntry {
  name: string;
  summary: string;
  /** npm package that provides the command, when it is not part of the probe install. */
  fromPackage?: string;
  load: () => Promise<{ default: Command }>;
}

// biome-ignore format: one row per command reads best
export const COMMANDS: CommandEntry[] = [
  { name: 'probe', summary: 'measure URLs from this network (Web Connectivity, OONI format)', load: () => import('./commands/probe.ts') },
  { name: 'analyze', summary: 'print the verdict of OONI-format measurements (JSON or JSONL)', load: () => import('./commands/analyze.ts') },
  { name: 'remote', summary: 'measure networks from outside through their resolvers and servers (nobody inside at risk)', load: () => import('./commands/remote.ts') },
  { name: 'helper', summary: 'run a control helper (OONI test-helper protocol)', load: () => import('./commands/helper.ts') },
  { name: 'update', summary: 'download current test lists and blocking fingerprints', load: () => import('./commands/update.ts') },
  { name: 'serve', summary: 'run the collector, API and web UI', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/serve.ts') },
  { name: 'import', summary: 'import OONI measurements (JSON, JSONL, .gz) into the store', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/import.ts') },
  { name: 'events', summary: 'list or rebuild detected blocking events', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/events.ts') },
  { name: 'history', summary: 'show since when a URL is blocked in a country', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/history.ts') },
  { name: 'quarantine', summary: 'list acknowledged measurements that could not be stored', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/quarantine.ts') },
  { name: 'registry', summary: 'import official blocklists and compare them with observations', fromPackage: '@blockwatch/server', load: () => importOptional('@blockwatch/server/cli/registry.ts') },
  { name: 'lab', summary: 'run the simulated censored network (root)', fromPackage: '@blockwatch/lab', load: () => importOptional('@blockwatch/lab/cli/lab.ts') },
];

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: blockwatch <command> [options]',
    '',
    'blockwatch measures internet censorship and turns it into evidence anyone can check.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}${c.fromPackage ? ` [${c.fromPackage}]` : ''}`),
    '',
    "Run 'blockwatch <command> --help' for the options of a command.",
    '',
  ].join('\n');
}

/**
 * A command module of an optional package. The specifier is a plain string on purpose: the probe package does not
 * depend on those packages (they depend on it), so neither the type checker nor the build may follow the import.
 */
function importOptional(specifier: string): Promise<{ default: Command }> {
  return import(specifier);
}

async function loadCommand(entry: CommandEntry): Promise<Command> {
  try {
    return (await entry.load()).default;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (entry.fromPackage && (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED')) {
      throw new BlockwatchError(
        'BW_ERR_NOT_INSTALLED',
        `'blockwatch ${entry.name}' needs the ${entry.fromPackage} package: npm install ${entry.fromPackage}`,
      );
    }
    throw err;
  }
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

/** Runs one command line; returns the exit code (also used by tests, with an injected context). */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(topLevelHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    ctx.stdout.write('blockwatch 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  try {
    if (!entry) throw new UsageError(`unknown command '${name}'`);
    const command = await loadCommand(entry);
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
