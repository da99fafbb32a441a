/**
 * The demo's collector: `blockwatch serve` as a child process with an embedded store, and the two calls the demo
 * makes to it over loopback (submit a batch, read events). The lab's namespaces never route to the host, so the
 * demo carries each round's measurements from the subscriber's JSONL file to the collector itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { BLOCKWATCH_BIN } from '../topology.ts';

export interface DemoServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** Starts `blockwatch serve` and resolves once it listens (it prints "blockwatch serving on ORIGIN"). */
export function startServer(
  dataDir: string,
  listen: string,
  env: NodeJS.ProcessEnv,
  asnRegistry: string,
): Promise<DemoServer> {
  const args = ['serve', '--data', dataDir, '--listen', listen, '--asn-registry', asnRegistry, '--quiet'];
  const child = spawn(process.execPath, [BLOCKWATCH_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    // The server finishes loading its spool on SIGINT; give it time, then insist.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`blockwatch serve did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /blockwatch serving on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: m[1], child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`blockwatch serve exited with ${code} before listening\n${stderr}`));
    });
  });
}

/** POSTs a batch to the collector; answers how many were accepted. */
export async function submitBatch(origin: string, measurements: unknown[]): Promise<number> {
  if (measurements.length === 0) return 0;
  const response = await fetch(`${origin}/api/v1/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ measurements }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await response.json().catch(() => ({}))) as { accepted?: number; message?: string };
  if (!response.ok) throw new Error(`the collector refused a batch: ${response.status} ${body.message ?? ''}`);
  return body.accepted ?? 0;
}

export async function getJson<T>(origin: string, path: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
