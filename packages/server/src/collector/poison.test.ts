/**
 * One hostile value must not stop the collector: a measurement whose `resolver_asn` is 1e308 is either refused
 * (4xx naming the field) or acknowledged and then found in the store or the quarantine, and a valid measurement
 * submitted after it is stored within seconds. Real app, real chdb, real HTTP on loopback.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';

const dir = tempDir();
let server: TestServer;
let base: string;

before(async () => {
  server = await startTestServer(dir.path);
  ({ base } = server);
});
after(async () => {
  await server?.close();
  dir.remove();
});

async function submit(measurements: unknown[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${base}/api/v1/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ measurements }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

test('resolver_asn 1e308 does not stop later measurements from being stored', async () => {
  const poison = makeMeasurement({ resolver_asn: 1e308, input: 'https://poison.example/' });
  const first = await submit([poison]);
  assert.ok(first.status < 500, `HTTP ${first.status}`);
  if (first.status !== 200) assert.match(String(first.body.message), /measurements\.0\.resolver_asn/);

  const valid = makeMeasurement({ input: 'https://after-poison.example/' });
  const second = await submit([valid]);
  assert.equal(second.status, 200);

  const deadline = Date.now() + 10_000;
  let found = 0;
  while (Date.now() < deadline) {
    const response = await request(`${base}/api/v1/measurements?domain=after-poison.example`);
    found = ((await response.body.json()) as { results: unknown[] }).results.length;
    if (found) break;
    await sleep(200);
  }
  assert.equal(found, 1, 'the valid measurement submitted after the hostile one was not stored within 10 s');
});
