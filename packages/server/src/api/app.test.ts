import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { makeMeasurement, SHARED_DATA, tempDir } from '../../test/fixtures.ts';
import { type Analyzer, createAnalyzer } from '../analysis/analyzer.ts';
import { openStore, type Store } from '../store/store.ts';
import { buildServer } from './app.ts';

const dir = tempDir();
let store: Store;
let analyzer: Analyzer;
let app: FastifyInstance;

const json = (_body: unknown) => ({ 'content-type': 'application/json' });

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
  analyzer = createAnalyzer({
    fingerprintsDir: join(SHARED_DATA, 'fingerprints'),
    testListsDir: join(SHARED_DATA, 'test-lists'),
  });
  mkdirSync(join(dir.path, 'web'));
  writeFileSync(join(dir.path, 'web/index.html'), '<!doctype html><title>blockwatch</title>');
  app = await buildServer({
    store,
    analyzer,
    spoolDir: join(dir.path, 'spool'),
    adminToken: 'sesame',
    rateLimit: false,
    webDir: join(dir.path, 'web'),
    bodyLimitBytes: 1024 * 1024,
  });
});
after(async () => {
  await app?.close();
  await store?.close();
  dir.remove();
});

async function submit(measurements: unknown[]) {
  return app.inject({ method: 'POST', url: '/api/v1/submit', headers: json(null), payload: { measurements } });
}

describe('collector endpoints', () => {
  test('batch submit acknowledges, dedupes, scrubs the probe address', async () => {
    const a = makeMeasurement({ input: 'https://www.facebook.com/', probe_ip: '203.0.113.9' });
    const b = makeMeasurement({ probe_cc: 'DE', probe_asn: 'AS3320', measurement_start_time: '2026-11-18 12:00:00' });
    const first = await submit([a, b, a]);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json(), { accepted: 3, duplicates: 1 });
    assert.deepEqual((await submit([a])).json(), { accepted: 1, duplicates: 1 });
    await app.collector.loader.idle();
    const raws = await store.query<{ raw: string }>('SELECT raw FROM measurement_raw');
    assert.equal(raws.length, 2);
    for (const r of raws) assert.equal(JSON.parse(r.raw).probe_ip, '127.0.0.1');
    const [{ c }] = await store.query<{ c: number }>(
      "SELECT count() AS c FROM measurement_raw WHERE raw LIKE '%203.0.113.9%'",
    );
    assert.equal(c, 0);
    const [row] = await store.query<{ category_code: string }>(
      "SELECT category_code FROM measurements WHERE input = 'https://www.facebook.com/'",
    );
    assert.equal(row?.category_code, 'GRP');
  });

  test('OONI report protocol: open, submit, close', async () => {
    const open = await app.inject({
      method: 'POST',
      url: '/report',
      payload: { probe_cc: 'IT', probe_asn: 'AS30722', test_name: 'web_connectivity', format: 'json' },
    });
    assert.equal(open.statusCode, 200, open.body);
    const { report_id: reportId } = open.json();
    assert.match(reportId, /^\d{8}T\d{6}Z_webconnectivity_IT_30722_n1_[A-Za-z0-9]{16}$/);
    const m = makeMeasurement({ probe_cc: 'IT', probe_asn: 'AS30722', report_id: undefined });
    const sent = await app.inject({
      method: 'POST',
      url: `/report/${reportId}`,
      payload: { format: 'json', content: m },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.json().measurement_uid, /^20261120100000\.000000_IT_webconnectivity_[0-9a-f]{16}$/);
    const again = await app.inject({
      method: 'POST',
      url: `/report/${reportId}`,
      payload: { format: 'json', content: m },
    });
    assert.equal(again.json().measurement_uid, sent.json().measurement_uid);
    const mismatch = await app.inject({
      method: 'POST',
      url: `/report/${reportId}`,
      payload: { format: 'json', content: { ...m, report_id: 'other_report_id' } },
    });
    assert.equal(mismatch.statusCode, 400);
    const yaml = await app.inject({
      method: 'POST',
      url: `/report/${reportId}`,
      payload: { format: 'yaml', content: {} },
    });
    assert.equal(yaml.statusCode, 400);
    const close = await app.inject({ method: 'POST', url: `/report/${reportId}/close` });
    assert.deepEqual(close.json(), {});
  });

  test('bad submissions are 4xx naming what is wrong, and store nothing', async () => {
    await app.collector.loader.idle();
    const before = await store.count({});
    const invalid = await submit([makeMeasurement(), makeMeasurement({ probe_cc: 'iran' })]);
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().code, 'BW_ERR_INVALID_INPUT');
    assert.match(invalid.json().message, /^measurements\.1\.probe_cc: /);
    const badUtf8 = await app.inject({
      method: 'POST',
      url: '/api/v1/submit',
      headers: json(null),
      payload: Buffer.concat([Buffer.from('{"measurements":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]),
    });
    assert.equal(badUtf8.statusCode, 400);
    assert.match(badUtf8.json().message, /UTF-8/);
    const badJson = await app.inject({
      method: 'POST',
      url: '/api/v1/submit',
      headers: json(null),
      payload: '{"measurements":[',
    });
    assert.equal(badJson.statusCode, 400);
    const proto = await app.inject({
      method: 'POST',
      url: '/api/v1/submit',
      headers: json(null),
      payload: '{"measurements":[],"__proto__":{"x":1}}',
    });
    assert.equal(proto.statusCode, 400);
    const huge = await submit([makeMeasurement({ input: 'x'.repeat(2 * 1024 * 1024) })]);
    assert.equal(huge.statusCode, 413);
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const nested = await submit([makeMeasurement({ annotations: deep })]);
    assert.equal(nested.statusCode, 400);
    assert.match(nested.json().message, /nested deeper/);
    await app.collector.loader.idle();
    assert.equal(await store.count({}), before);
  });
});

describe('API', () => {
  test('measurement search: OONI shape, filters, paging, unknown parameters rejected', async () => {
    await app.collector.loader.idle();
    const all = await app.inject({ url: '/api/v1/measurements?limit=1' });
    assert.equal(all.statusCode, 200, all.body);
    const body = all.json();
    assert.equal(body.metadata.count, 3);
    assert.equal(body.results.length, 1);
    assert.match(body.metadata.next_url, /offset=1/);
    assert.equal(body.results[0].probe_asn.startsWith('AS'), true);
    assert.match(body.results[0].measurement_start_time, /Z$/);
    const de = await app.inject({ url: '/api/v1/measurements?probe_cc=DE&since=2026-11-18&until=2026-11-19' });
    assert.equal(de.json().metadata.count, 1);
    assert.equal(de.json().metadata.next_url, null);
    const unknown = await app.inject({ url: '/api/v1/measurements?country=IR' });
    assert.equal(unknown.statusCode, 400);
    assert.deepEqual(Object.keys(unknown.json()).sort(), ['code', 'error', 'message', 'statusCode']);
    assert.match(unknown.json().message, /unknown query parameter 'country'/);
    const bad = await app.inject({ url: '/api/v1/measurements?probe_cc=iran' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /probe_cc/);
    const badDate = await app.inject({ url: '/api/v1/measurements?since=2026-02-30' });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.json().message, /since/);
    const limit = await app.inject({ url: '/api/v1/measurements?limit=100000' });
    assert.equal(limit.statusCode, 400);
    assert.match(limit.json().message, /limit/);
  });

  test('one measurement: verdict, explanation, OONI verdict, raw JSON', async () => {
    const list = (await app.inject({ url: '/api/v1/measurements?probe_cc=IR' })).json();
    const uid = list.results[0].measurement_uid;
    const detail = await app.inject({ url: `/api/v1/measurements/${uid}` });
    assert.equal(detail.statusCode, 200);
    const d = detail.json();
    assert.equal(d.measurement_uid, uid);
    assert.equal(typeof d.verdict.explanation, 'string');
    assert.equal(d.raw_measurement.probe_ip, '127.0.0.1');
    const raw = await app.inject({ url: `/api/v1/raw_measurement?measurement_uid=${uid}` });
    assert.equal(raw.json().probe_cc, 'IR');
    const missing = await app.inject({
      url: '/api/v1/measurements/20260101000000.000000_IR_webconnectivity_0000000000000000',
    });
    assert.equal(missing.statusCode, 404);
    const malformed = await app.inject({ url: "/api/v1/raw_measurement?measurement_uid=x'%20OR%201=1" });
    assert.equal(malformed.statusCode, 400);
  });

  test('aggregation: JSON and CSV, OONI count semantics', async () => {
    const byCc = await app.inject({ url: '/api/v1/aggregation?axis_x=probe_cc' });
    assert.equal(byCc.statusCode, 200, byCc.body);
    const b = byCc.json();
    assert.equal(b.dimension_count, 1);
    assert.equal(b.db_stats.source, 'rollup_cc_daily');
    assert.deepEqual(
      b.result.map((r: { probe_cc: string; measurement_count: number }) => [r.probe_cc, r.measurement_count]),
      [
        ['DE', 1],
        ['IR', 1],
        ['IT', 1],
      ],
    );
    const total = (await app.inject({ url: '/api/v1/aggregation?probe_cc=IR' })).json();
    assert.equal(total.result.measurement_count, 1);
    const csv = await app.inject({
      url: '/api/v1/aggregation?axis_x=measurement_start_day&axis_y=probe_cc&format=CSV',
    });
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    assert.equal(
      csv.body.split('\r\n')[0],
      'measurement_start_day,probe_cc,anomaly_count,confirmed_count,failure_count,ok_count,measurement_count',
    );
    const same = await app.inject({ url: '/api/v1/aggregation?axis_x=probe_cc&axis_y=probe_cc' });
    assert.equal(same.statusCode, 400);
    const badAxis = await app.inject({ url: '/api/v1/aggregation?axis_x=planet' });
    assert.match(badAxis.json().message, /axis_x/);
  });

  test('summaries for the web UI', async () => {
    const overview = (await app.inject({ url: '/api/v1/overview?min_sample=1' })).json();
    assert.equal(overview.totals.measurement_count, 3);
    assert.equal(overview.totals.countries, 3);
    const countries = (await app.inject({ url: '/api/v1/countries' })).json();
    assert.equal(countries.results.length, 3);
    const networks = (await app.inject({ url: '/api/v1/networks?probe_cc=DE' })).json();
    assert.deepEqual(
      networks.results.map((n: { probe_asn: number }) => n.probe_asn),
      [3320],
    );
    assert.equal((await app.inject({ url: '/api/v1/networks' })).statusCode, 400);
    const coverage = (await app.inject({ url: '/api/v1/coverage?probe_cc=IR&since=2026-11-01' })).json();
    assert.deepEqual(
      coverage.results.map((r: { day: string }) => r.day),
      ['2026-11-20'],
    );
  });

  test('OpenAPI document lists every API route with its parameters', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    for (const path of [
      '/api/v1/measurements',
      '/api/v1/measurements/{measurement_uid}',
      '/api/v1/raw_measurement',
      '/api/v1/aggregation',
      '/api/v1/overview',
      '/api/v1/countries',
      '/api/v1/networks',
      '/api/v1/coverage',
      '/api/v1/submit',
      '/report',
      '/report/{report_id}',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    const names = doc.paths['/api/v1/measurements'].get.parameters.map((p: { name: string }) => p.name);
    assert.ok(names.includes('blocking_type') && names.includes('probe_cc'));
    assert.deepEqual(doc.paths['/api/v1/measurements/{measurement_uid}'].delete.security, [{ adminToken: [] }]);
  });

  test('admin endpoints need the token', async () => {
    const uid = (await app.inject({ url: '/api/v1/measurements?probe_cc=IT' })).json().results[0].measurement_uid;
    const anonymous = await app.inject({ method: 'DELETE', url: `/api/v1/measurements/${uid}` });
    assert.equal(anonymous.statusCode, 401);
    const wrong = await app.inject({
      method: 'DELETE',
      url: `/api/v1/measurements/${uid}`,
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(wrong.statusCode, 401);
    const ok = await app.inject({
      method: 'DELETE',
      url: `/api/v1/measurements/${uid}`,
      headers: { authorization: 'Bearer sesame' },
    });
    assert.deepEqual(ok.json(), { deleted: true });
    assert.equal((await app.inject({ url: `/api/v1/measurements/${uid}` })).statusCode, 404);
  });

  test('web UI with SPA fallback and security headers on every response', async () => {
    for (const url of ['/', '/country/IR']) {
      const page = await app.inject({ url });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<title>blockwatch/);
      assert.match(page.headers['content-security-policy'] as string, /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
    }
    const api404 = await app.inject({ url: '/api/v1/nothing' });
    assert.equal(api404.statusCode, 404);
    assert.equal(api404.json().code, 'BW_HTTP_NOT_FOUND');
    assert.equal(api404.headers['x-content-type-options'], 'nosniff');
  });
});

describe('rate limiting', () => {
  test('a client over its budget gets 429 with Retry-After', async () => {
    const limited = await buildServer({
      store,
      analyzer,
      spoolDir: join(dir.path, 'spool-limited'),
      rateLimit: { perSecond: 0.1, burst: 2 },
      webDir: null,
    });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.inject({ url: '/api/v1/countries' })).statusCode);
      assert.deepEqual(codes, [200, 200, 429]);
      const r = await limited.inject({ url: '/api/v1/countries' });
      assert.equal(r.json().code, 'BW_HTTP_RATE_LIMITED');
      assert.ok(Number(r.headers['retry-after']) >= 1);
    } finally {
      await limited.close();
    }
  });
});
