/**
 * kill -9 of the server process while a client submits, several times: after a restart, every measurement
 * the server acknowledged is in the store exactly once (and the rollup counts each once). Then the same with
 * batches the engine partly refuses, so the kill lands while the loader splits them: each acknowledged
 * measurement is stored or quarantined, exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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
const crashDataDir = join(dir.path, 'data');

async function startServer(dataDir = crashDataDir): Promise<{ child: ChildProcess; url: string }> {
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
const poisonUids = new Set<string>();
/** Submits batches until the connection breaks; returns the uids the server acknowledged. */
async function submitUntilKilled(url: string, acked: string[], poisonEvery = 0): Promise<void> {
  for (;;) {
    const batch = Array.from({ length: 25 }, () => {
      sequence++;
      const name = poisonEvery && sequence % poisonEvery === 0 ? 'poison' : 'crash';
      return makeMeasurement({
        input: `https://${name}-${sequence}.example/`,
        probe_asn: `AS${1000 + (sequence % 7)}`,
      });
    });
    // Poisoned ones are known before sending: one made durable but never answered can still be quarantined.
    for (const m of batch) {
      if (String(m.input).includes('poison')) poisonUids.add(measurementUid({ ...m, probe_ip: '127.0.0.1' }));
    }
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

/** kill -9 three times while a client submits, then a clean restart that loads the rest; returns what was acknowledged. */
async function killThreeTimes(dataDir: string, poisonEvery = 0): Promise<string[]> {
  const acked: string[] = [];
  for (const delayMs of [1500, 700, 2200]) {
    const { child, url } = await startServer(dataDir);
    const client = submitUntilKilled(url, acked, poisonEvery);
    await sleep(delayMs);
    child.kill('SIGKILL');
    await client;
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve),
    );
  }
  assert.ok(acked.length > 100, `only ${acked.length} acknowledged`);

  // Restart cleanly: the spool's uncommitted tail is loaded, then SIGINT stops after loading everything.
  const { child } = await startServer(dataDir);
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  return acked;
}

/** Every acknowledged uid is in the store or (if `quarantined` says so) in quarantine, exactly once. */
async function assertEachOnce(
  dataDir: string,
  acked: string[],
  quarantined: (uid: string) => boolean = () => false,
): Promise<void> {
  const store = await openStore({ location: { dataDir } });
  try {
    const rows = await store.query<{ measurement_uid: string; n: number }>(
      'SELECT measurement_uid, count() AS n FROM measurements GROUP BY measurement_uid',
    );
    const counts = new Map(rows.map((r) => [r.measurement_uid, r.n]));
    const held = await store.query<{ measurement_uid: string; n: number }>(
      'SELECT measurement_uid, count() AS n FROM quarantine GROUP BY measurement_uid',
    );
    const inQuarantine = new Map(held.map((r) => [r.measurement_uid, r.n]));
    const missing = acked.filter((uid) => !counts.has(uid) && !inQuarantine.has(uid));
    assert.deepEqual(missing, [], `${missing.length} acknowledged measurements missing`);
    const misplaced = acked.filter(
      (uid) => quarantined(uid) !== inQuarantine.has(uid) || quarantined(uid) === counts.has(uid),
    );
    assert.deepEqual(misplaced, [], 'in the wrong place (or in both)');
    const twice = [...rows, ...held].filter((r) => r.n > 1);
    assert.deepEqual(twice, [], 'duplicates');
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
}

test('kill -9 during submission, three times: every acknowledged measurement stored exactly once', async () => {
  const acked = await killThreeTimes(crashDataDir);
  await assertEachOnce(crashDataDir, acked);
});

test('kill -9 while poisoned batches are split, three times: each stored or quarantined exactly once', async () => {
  const dataDir = join(dir.path, 'poisoned');
  // The engine refuses every "poison" row (the door accepts them): each batch has to be split to find them.
  const store = await openStore({ location: { dataDir } });
  await store.command("ALTER TABLE measurements ADD CONSTRAINT refuse_poison CHECK input NOT LIKE '%poison%'");
  await store.close();
  const acked = await killThreeTimes(dataDir, 80);
  const poisoned = new Set<string>();
  // uids are derived from content: find which acknowledged ones carried the poison input.
  for (const uid of acked) if (poisonUids.has(uid)) poisoned.add(uid);
  assert.ok(poisoned.size >= 1, `only ${poisoned.size} poisoned measurements acknowledged`);
  await assertEachOnce(dataDir, acked, (uid) => poisoned.has(uid));

  const listed = spawnSync(
    process.execPath,
    [BLOCKWATCH_BIN, 'quarantine', 'list', '--data', dataDir, '--json', '--limit', '500'],
    { encoding: 'utf8', env: { ...process.env, BLOCKWATCH_DATA_DIR: join(dir.path, 'reference') } },
  );
  assert.equal(listed.status, 0, listed.stderr);
  const { count, results } = JSON.parse(listed.stdout) as {
    count: number;
    results: { measurement_uid: string; raw: string; error: string }[];
  };
  // Every acknowledged poisoned one, and poisoned ones only: a kill can also land after a batch was made durable
  // and before its answer was sent (then it is loaded, and the client, never answered, would submit it again).
  assert.ok(count >= poisoned.size, `${count} quarantined, ${poisoned.size} poisoned acknowledged`);
  assert.equal(results.length, count);
  assert.deepEqual(
    // by content: a poisoned one loaded but never acknowledged is not among the acknowledged uids
    results.filter((r) => !String((JSON.parse(r.raw) as { input?: unknown }).input).includes('poison')),
    [],
    'only poisoned measurements are quarantined',
  );
  assert.equal(new Set(results.map((r) => r.measurement_uid)).size, count, 'each quarantined once');
  assert.match(results[0]!.error, /refuse_poison/);
});
