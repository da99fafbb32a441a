/**
 * kill -9 of the server process while a client submits, several times: after a restart, every measurement
 * the server acknowledged is in the store exactly once (and the rollup counts each once).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { BLOCKWATCH_BIN, makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { ROLLUPS } from '../store/aggregation.ts';
import { openStore } from '../store/store.ts';
import { measurementUid } from './ids.ts';

const dir = tempDir();
after(() => dir.remove());
const dataDir = join(dir.path, 'data');

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      BLOCKWATCH_BIN,
      'serve',
      '--data',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--quiet',
      '--rate-limit',
      '0',
      '--web',
      dir.path,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLOCKWATCH_DATA_DIR: join(dir.path, 'reference') } },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  return { child, url };
}

let sequence = 0;
/** Submits batches until the connection breaks; returns the uids the server acknowledged. */
async function submitUntilKilled(url: string, acked: string[]): Promise<void> {
  for (;;) {
    const batch = Array.from({ length: 25 }, () => {
      sequence++;
      return makeMeasurement({ input: `https://crash-${sequence}.example/`, probe_asn: `AS${1000 + (sequence % 7)}` });
    });
    try {
      const response = await request(`${url}/api/v1/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ measurements: batch }),
        headersTimeout: 10_000,
      });
      const body = (await response.body.json()) as { accepted?: number };
      if (response.statusCode !== 200 || body.accepted !== batch.length) throw new Error(`HTTP ${response.statusCode}`);
      // The server derives the uid from the scrubbed content, as we do here.
      for (const m of batch) acked.push(measurementUid({ ...m, probe_ip: '127.0.0.1' }));
    } catch {
      return; // killed mid-request: that batch was not acknowledged
    }
  }
}

test('kill -9 during submission, three times: every acknowledged measurement stored exactly once', async () => {
  const acked: string[] = [];
  for (const delayMs of [1500, 700, 2200]) {
    const { child, url } = await startServer();
    const client = submitUntilKilled(url, acked);
    await sleep(delayMs);
    child.kill('SIGKILL');
    await client;
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve),
    );
  }
  assert.ok(acked.length > 100, `only ${acked.length} acknowledged`);

  // Restart cleanly: the spool's uncommitted tail is loaded, then SIGINT stops after loading everything.
  const { child } = await startServer();
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);

  const store = await openStore({ location: { dataDir } });
  try {
    const rows = await store.query<{ measurement_uid: string; n: number }>(
      'SELECT measurement_uid, count() AS n FROM measurements GROUP BY measurement_uid',
    );
    const counts = new Map(rows.map((r) => [r.measurement_uid, r.n]));
    const missing = acked.filter((uid) => !counts.has(uid));
    assert.deepEqual(missing, [], `${missing.length} acknowledged measurements missing`);
    const twice = rows.filter((r) => r.n > 1);
    assert.deepEqual(twice, [], 'duplicates in measurements');
    const [raw] = await store.query<{ n: number; u: number }>(
      'SELECT count() AS n, uniqExact(measurement_uid) AS u FROM measurement_raw',
    );
    assert.equal(raw!.n, raw!.u, 'duplicates in measurement_raw');
    assert.equal(raw!.n, rows.length);
    for (const { table } of ROLLUPS) {
      const [rollup] = await store.query<{ n: number }>(`SELECT sum(measurement_count) AS n FROM ${table}`);
      assert.equal(rollup!.n, rows.length, `${table} counts each measurement once`);
    }
  } finally {
    await store.close();
  }
});
