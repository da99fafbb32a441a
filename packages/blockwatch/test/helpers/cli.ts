/** Runs a CLI command in-process with captured output (no child process). */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin,
    env: opts.env ?? { ...process.env },
    cwd: opts.cwd ?? process.cwd(),
    signal: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}
