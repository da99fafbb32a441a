/**
 * Running system tools (ip, iptables-restore, tc). Every failure becomes a BW_ERR_LAB error that names the exact
 * command and what it printed, so a broken setup says what broke.
 */
import { execFile } from 'node:child_process';
import { BlockwatchError } from 'blockwatch/errors.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** written to the command's stdin */
  input?: string;
  /** return the result instead of throwing on a non-zero exit */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export function run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new BlockwatchError('BW_ERR_LAB', `'${command}' is not installed (needed by the lab)`));
          return;
        }
        if (code !== 0 && !opts.allowFailure) {
          const detail = (stderr || stdout || String(err?.message ?? '')).trim().split('\n').slice(0, 5).join(' | ');
          reject(new BlockwatchError('BW_ERR_LAB', `${command} ${args.join(' ')} failed (exit ${code}): ${detail}`));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs `command` inside a network namespace. */
export function runIn(ns: string, command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, command, ...args], opts);
}
