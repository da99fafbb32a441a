/** The command-line reference (docs/cli.md), rendered from every command's `--help`. */
import { PassThrough } from 'node:stream';
import { listCommands, runCli } from './main.ts';

async function help(argv: string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d) => {
    text += d;
  });
  await runCli(argv, {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  });
  return text.trimEnd();
}

export async function renderCliReference(): Promise<string> {
  const parts = [
    '# Command-line reference',
    '',
    'Generated from `blockwatch <command> --help` by `scripts/cli-reference.ts`; a test keeps it current.',
    '',
    '```',
    await help(['--help']),
    '```',
  ];
  for (const c of await listCommands())
    parts.push('', `## blockwatch ${c.name}`, '', '```', await help([c.name, '--help']), '```');
  return `${parts.join('\n')}\n`;
}
