/**
 * The real server for browser tests: `blockwatch import` seeds a temporary data directory, then
 * `blockwatch serve` runs as a child process on a free loopback port. Stopped with SIGTERM, then SIGKILL.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCKWATCH_BIN, OONI_MEASUREMENTS, REPO_ROOT } from './paths.ts';

export interface RunningServer {
  url: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

export function createDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'bw-web-data-'));
}

export function importFiles(dataDir: string, files: string[]): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BLOCKWATCH_BIN, 'import', ...files, '--data', dataDir, '--json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  // Exit code 1 = some lines were reported and skipped (e.g. a YAML file); only a crash or usage error stops us.
  if (result.status === null || result.status > 1) {
    throw new Error(`blockwatch import failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

/**
 * A data directory holding the shared OONI measurements and these synthetic ones (`blockwatch import`), with the
 * events they make rebuilt: the store the UI and contract tests run against.
 */
export function seedDataDir(synthetic: Record<string, unknown>[]): string {
  const dataDir = createDataDir();
  const file = join(dataDir, 'synthetic.jsonl');
  writeFileSync(file, `${synthetic.map((m) => JSON.stringify(m)).join('\n')}\n`);
  const shared = readdirSync(OONI_MEASUREMENTS)
    .filter((f) => f.endsWith('.json') && !f.startsWith('index'))
    .map((f) => join(OONI_MEASUREMENTS, f));
  importFiles(dataDir, [...shared, file]);
  rebuildEvents(dataDir);
  return dataDir;
}

/** Events are detected as measurements reach a running server; an import made beforehand needs a rebuild. */
export function rebuildEvents(dataDir: string): void {
  const result = spawnSync(process.execPath, [BLOCKWATCH_BIN, 'events', 'rebuild', '--data', dataDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`blockwatch events rebuild failed (${result.status}):\n${result.stderr}`);
}

export async function startServe(dataDir: string, timeoutMs = 120_000): Promise<RunningServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    // Every request of a test comes from 127.0.0.1: the per-client rate limit would throttle the test, not a crowd.
    [BLOCKWATCH_BIN, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--rate-limit', '0', '--quiet'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`blockwatch serve printed no URL within ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /https?:\/\/(?:127\.0\.0\.1|\[::1\]|localhost):\d+/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`blockwatch serve exited (${code}) before listening:\n${log}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}
