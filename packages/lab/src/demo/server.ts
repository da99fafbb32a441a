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
  /** the server's last output lines (with --quiet: its errors), to explain a failed request */
  recentOutput(): string;
}

const START_TIMEOUT_MS = 60_000;
/**
 * How long a read may keep failing with 503 or a timeout before the demo gives up. The embedded store answers
 * reads while its loader and the event detector write; on a loaded machine a read can fail or wait behind them
 * for a while, which is no reason to lose the run.
 */
const STORE_PATIENCE_MS = 180_000;

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
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    keep(chunk);
  });
  child.stdout?.on('data', keep);
  const recentOutput = () => output.trim().split('\n').slice(-5).join('\n');
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
        resolve({ origin: m[1], child, stop, recentOutput });
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

/** GETs JSON from the server, retrying a busy store (503, a timeout) for up to STORE_PATIENCE_MS. */
export async function getJson<T>(server: DemoServer, path: string, log: (line: string) => void): Promise<T> {
  const giveUpAt = Date.now() + STORE_PATIENCE_MS;
  let waitMs = 1_000;
  let said = false;
  for (;;) {
    let problem: string;
    try {
      const response = await fetch(`${server.origin}${path}`, { signal: AbortSignal.timeout(30_000) });
      if (response.ok) return (await response.json()) as T;
      problem = `${response.status} ${await response.text()}`;
      if (response.status !== 503) throw new Error(`GET ${path}: ${problem}`);
    } catch (err) {
      if ((err as Error).name !== 'TimeoutError') throw err;
      problem = 'no answer within 30 s';
    }
    if (Date.now() + waitMs > giveUpAt) {
      const output = server.recentOutput();
      throw new Error(
        `GET ${path}: ${problem}, still after ${STORE_PATIENCE_MS / 1000} s${output ? `; the server said:\n${output}` : ''}`,
      );
    }
    if (!said) log(`the store is busy (GET ${path}: ${problem}): retrying for up to ${STORE_PATIENCE_MS / 1000} s…`);
    said = true;
    await new Promise((r) => setTimeout(r, waitMs));
    waitMs = Math.min(waitMs * 2, 10_000);
  }
}
