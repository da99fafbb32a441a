/**
 * 1,000 malformed or hostile submissions over real HTTP: every one is answered 4xx with the JSON error shape,
 * the server stays up, and nothing reaches the spool or the store.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import type { Store } from '../store/store.ts';

const dir = tempDir();
let server: TestServer;
let store: Store;
let base: string;

before(async () => {
  server = await startTestServer(dir.path, { bodyLimitBytes: 4 * 1024 * 1024 });
  ({ store, base } = server);
});
after(async () => {
  await server?.close();
  dir.remove();
});

/** Deterministic PRNG (mulberry32): the same 1,000 cases every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Case = { path: string; body: Buffer | string; type?: string };

function hostileCases(count: number): Case[] {
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const wrongFor: Record<string, unknown[]> = {
    probe_cc: [123, 'ZZZ', 'ir', '', null, [], {}, '\u0000'],
    probe_asn: [123, 'AS', 'ASx', '', null, 1.5, 'AS-1'],
    test_name: [123, 'Web Connectivity', '', null, '../x', true],
    measurement_start_time: [
      123,
      '2024-13-45 99:99:99',
      '2024-02-30 10:00:00',
      'yesterday',
      null,
      '',
      '2999-01-01 00:00:00',
    ],
    data_format_version: [123, null, [], {}, true],
    test_keys: ['x', 123, [], true],
  };
  const fields = Object.keys(wrongFor);
  let deep = '1';
  for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
  const generators: (() => Case)[] = [
    () => {
      const field = pick(fields);
      const value = pick(wrongFor[field]!);
      return {
        path: '/api/v1/submit',
        body: JSON.stringify({ measurements: [{ ...makeMeasurement(), [field]: value }] }),
      };
    },
    () => {
      const m: Record<string, unknown> = makeMeasurement();
      delete m[pick(['probe_cc', 'probe_asn', 'test_name', 'measurement_start_time', 'test_keys'])];
      return { path: '/api/v1/submit', body: JSON.stringify({ measurements: [makeMeasurement(), m] }) };
    },
    () => ({
      path: '/api/v1/submit',
      body: JSON.stringify({ measurements: [makeMeasurement({ software_name: 'y'.repeat((1 << 20) + 10) })] }),
    }),
    () => ({ path: '/api/v1/submit', body: `{"measurements":[${'"z",'.repeat(1)}"${'a'.repeat(5 * 1024 * 1024)}"]}` }),
    () => ({ path: '/api/v1/submit', body: `{"measurements":[{"probe_cc":"IR","test_keys":${deep}}]}` }),
    () => {
      let nested: unknown = 1;
      for (let i = 0; i < 60 + Math.floor(rand() * 100); i++) nested = { n: nested };
      return {
        path: '/api/v1/submit',
        body: JSON.stringify({ measurements: [makeMeasurement({ annotations: nested })] }),
      };
    },
    () => {
      const text = JSON.stringify({ measurements: [makeMeasurement()] });
      return { path: '/api/v1/submit', body: text.slice(0, Math.floor(rand() * (text.length - 1))) };
    },
    () => ({ path: '/api/v1/submit', body: Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))) }),
    () => {
      const text = JSON.stringify({ measurements: [makeMeasurement({ probe_network_name: 'ABC' })] });
      const at = text.indexOf('ABC');
      return {
        path: '/api/v1/submit',
        body: Buffer.concat([
          Buffer.from(text.slice(0, at)),
          Buffer.from([pick([0xc3, 0xe2, 0xff, 0x80])]),
          Buffer.from(text.slice(at + 1)),
        ]),
      };
    },
    () => ({
      path: '/api/v1/submit',
      body: JSON.stringify(pick([[], 'x', 1, null, { measurements: 'x' }, { measurements: {} }, {}])),
    }),
    () => ({
      path: '/api/v1/submit',
      body: JSON.stringify({ measurements: Array.from({ length: 1001 }, () => ({})) }),
    }),
    () => ({ path: '/api/v1/submit', body: '{"measurements":[],"__proto__":{"polluted":true}}' }),
    () => ({
      path: '/api/v1/submit',
      body: JSON.stringify({ measurements: [makeMeasurement()] }),
      type: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/yaml']),
    }),
    () => ({
      path: '/report/20240214T090617Z_webconnectivity_IT_30722_n1_abc',
      body: JSON.stringify({ format: pick(['yaml', 'xml', null, 1]), content: makeMeasurement() }),
    }),
    () => ({
      path: '/report/20240214T090617Z_webconnectivity_IT_30722_n1_abc',
      body: JSON.stringify({ format: 'json', content: { ...makeMeasurement(), probe_asn: pick(wrongFor.probe_asn!) } }),
    }),
    () => ({
      path: `/report/${pick(["bad'id", '..%2F..%2Fetc', 'x'])}`,
      body: JSON.stringify({ format: 'json', content: makeMeasurement() }),
    }),
    () => ({
      path: '/report',
      body: JSON.stringify({ probe_cc: pick(wrongFor.probe_cc!), probe_asn: 'AS1', test_name: 'web_connectivity' }),
    }),
  ];
  return Array.from({ length: count }, (_, i) => generators[i % generators.length]!());
}

test('1,000 hostile submissions: all 4xx with a JSON error, server alive, nothing stored', async () => {
  const cases = hostileCases(1000);
  const statuses = new Map<number, number>();
  const queue = [...cases.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [i, c] = next;
      const response = await request(`${base}${c.path}`, {
        method: 'POST',
        headers: { 'content-type': c.type ?? 'application/json' },
        body: c.body,
      });
      const text = await response.body.text();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      assert.ok(
        response.statusCode >= 400 && response.statusCode < 500,
        `case ${i}: HTTP ${response.statusCode} ${text.slice(0, 200)}`,
      );
      const error = JSON.parse(text);
      assert.deepEqual(Object.keys(error).sort(), ['code', 'error', 'message', 'statusCode'], `case ${i}`);
      assert.equal(error.statusCode, response.statusCode);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.equal(
    [...statuses.values()].reduce((a, b) => a + b, 0),
    1000,
  );
  assert.ok(statuses.has(400) && statuses.has(413) && statuses.has(415), JSON.stringify([...statuses]));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Still serving, and nothing was spooled or stored.
  const alive = await request(`${base}/api/v1/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ measurements: [] }),
  });
  assert.deepEqual(await alive.body.json(), { accepted: 0, duplicates: 0 });
  assert.deepEqual(server.app.collector.spool.durableEnd(), { segment: 1, offset: 0 });
  await server.app.collector.loader.idle();
  assert.equal(await store.count({}), 0);
});
