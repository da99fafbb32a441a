/**
 * The hostile battery at the door, over real HTTP: every field of the envelope and of the test_keys the store
 * reads, replaced one at a time by a wrong type or an extreme value. Each submission is refused with a 4xx
 * naming that field, or acknowledged and then found in the store or the quarantine, never a 5xx; valid
 * measurements submitted after all of them are stored within seconds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { hostileCases } from '../../test/hostile-values.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { measurementUid } from './ids.ts';

const dir = tempDir();
const TOKEN = 'battery-admin-token';
let server: TestServer;

before(async () => {
  server = await startTestServer(dir.path, { adminToken: TOKEN });
});
after(async () => {
  await server?.close();
  dir.remove();
});

const uidOf = (m: Record<string, unknown>) => measurementUid({ ...m, probe_ip: '127.0.0.1' });

async function submit(measurements: unknown[]): Promise<{ status: number; message: string }> {
  const response = await request(`${server.base}/api/v1/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ measurements }),
  });
  const body = (await response.body.json()) as { message?: string };
  return { status: response.statusCode, message: body.message ?? '' };
}

async function storedAmong(uids: string[]): Promise<Set<string>> {
  const rows = await server.store.query<{ measurement_uid: string }>(
    'SELECT measurement_uid FROM measurement_raw WHERE measurement_uid IN {uids:Array(String)}',
    { uids },
  );
  return new Set(rows.map((r) => r.measurement_uid));
}

test('one hostile field: refused naming it, or stored or quarantined; never 5xx; valid ones after are stored', async () => {
  const cases = hostileCases();
  const acknowledged: string[] = [];
  let refused = 0;
  for (const c of cases) {
    const { status, message } = await submit([c.measurement]);
    const what = `${c.field} = ${JSON.stringify(c.value)?.slice(0, 40)}`;
    assert.ok(status < 500, `${what}: HTTP ${status} ${message}`);
    if (status === 200) {
      acknowledged.push(uidOf(c.measurement));
      continue;
    }
    assert.ok(status >= 400 && status < 500, `${what}: HTTP ${status}`);
    assert.ok(message.startsWith(`measurements.0.${c.field}`), `${what}: the refusal names another field: ${message}`);
    refused++;
  }
  assert.ok(refused > cases.length / 4, `only ${refused} of ${cases.length} refused`);

  const valid = Array.from({ length: 10 }, (_, i) => makeMeasurement({ input: `https://after-battery-${i}.example/` }));
  assert.equal((await submit(valid)).status, 200);
  const validUids = valid.map(uidOf);
  const deadline = Date.now() + 15_000;
  let stored = new Set<string>();
  while (Date.now() < deadline) {
    stored = await storedAmong(validUids);
    if (stored.size === validUids.length) break;
    await sleep(200);
  }
  assert.equal(stored.size, validUids.length, 'valid measurements after the battery were not stored within 15 s');

  await server.app.collector.loader.idle();
  const inStore = await storedAmong(acknowledged);
  const quarantine = await request(`${server.base}/api/v1/quarantine?limit=500`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(quarantine.statusCode, 200);
  const listed = (await quarantine.body.json()) as { count: number; results: { measurement_uid: string }[] };
  const quarantined = new Set(listed.results.map((r) => r.measurement_uid));
  const nowhere = acknowledged.filter((uid) => !inStore.has(uid) && !quarantined.has(uid));
  assert.deepEqual(nowhere, [], 'acknowledged but neither stored nor quarantined');
  const both = acknowledged.filter((uid) => inStore.has(uid) && quarantined.has(uid));
  assert.deepEqual(both, [], 'stored and quarantined');
  assert.equal((await request(`${server.base}/api/v1/quarantine`)).statusCode, 401);
});
