/**
 * Event detection through the real store (embedded engine in a temp dir) and the real HTTP routes: incremental
 * detection from stored batches, the API, history, Atom feeds, signed webhooks with retries, rebuild, resume after
 * a restart, registry import and comparison, and a messaging service's events (OONI's own telegram measurements,
 * analysed by the real experiment). One store for the whole file (the engine is slow to start).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeAny } from 'blockwatch/experiments/registry.ts';
import type { BlockingMethod, Measurement } from 'blockwatch/model';
import Fastify, { type FastifyInstance } from 'fastify';
import { makeMeasurement, makeVerdict, OONI_MEASUREMENTS, tempDir } from '../../test/fixtures.ts';
import type { WebhookDispatcher } from '../alerts/webhooks.ts';
import type { ServerContext } from '../api/app.ts';
import { installErrorHandlers } from '../api/http-errors.ts';
import { createAdminCheck } from '../api/security.ts';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import { openStore, type Store } from '../store/store.ts';
import { loadSnapshot, readObservations } from './event-store.ts';
import { timingsOf } from './observation.ts';
import { createEventsPlugin } from './routes.ts';
import type { BlockingEvent } from './types.ts';

const dir = tempDir('bw-events-');
const TOKEN = 'open-sesame-token';
const admin = { authorization: `Bearer ${TOKEN}` };
const URL_A = 'https://news.example.kz/politics/article-1';
// \uFFFE: a character XML forbids that the store accepts (control characters are refused before the store).
const HOSTILE = 'https://evil.example.kz/<script>alert(1)</script>?a=1&b="x"&c=\uFFFE';
const T0 = Date.UTC(2026, 10, 1, 2, 0, 0);
const HOUR = 3600_000;

let store: Store;
let app: FastifyInstance;
let webhooks: WebhookDispatcher;
let receiver: Server;
let receiverUrl: string;
const received: { body: string; signature: string; status: number }[] = [];
let failuresLeft = 2;

const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function item(input: string, asn: number, round: number, blocked: BlockingMethod | null): AnalyzedMeasurement {
  const timeMs = T0 + round * 4 * HOUR + asn * 60_000;
  const stamp = new Date(timeMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const hex = `${asn.toString(16).padStart(4, '0')}${round.toString(16).padStart(6, '0')}${(input.length % 4096).toString(16).padStart(6, '0')}`;
  return {
    uid: `${stamp}.000000_KZ_webconnectivity_${hex}`,
    measurement: makeMeasurement({
      input,
      probe_cc: 'KZ',
      probe_asn: `AS${asn}`,
      measurement_start_time: sqlTime(timeMs),
    }),
    verdict: makeVerdict(
      blocked
        ? { outcome: 'blocked', accessible: false, anomaly: true, blocking: 'dns', method: blocked, methods: [blocked] }
        : {},
    ),
    source: 'collector',
  };
}

async function startApp(): Promise<void> {
  app = Fastify();
  installErrorHandlers(app);
  const context = {
    store,
    collector: undefined as never,
    requireAdmin: createAdminCheck(TOKEN),
  } satisfies ServerContext;
  const plugin = createEventsPlugin({
    webhooks: { baseDelayMs: 20, timeoutMs: 2000 },
    onReady: (parts) => {
      webhooks = parts.webhooks;
    },
  });
  await app.register(async (scope) => plugin(scope, context));
  await app.ready();
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function allEvents(): Promise<BlockingEvent[]> {
  const r = await app.inject({ url: '/api/v1/events?limit=1000' });
  assert.equal(r.statusCode, 200, r.body);
  return (r.json().results as (BlockingEvent & { summary: string; url: string })[]).map(
    ({ summary: _s, url: _u, ...e }) => e,
  );
}

before(async () => {
  store = await openStore({ location: { dataDir: dir.path } });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const status = failuresLeft > 0 ? 500 : 200;
      if (failuresLeft > 0) failuresLeft--;
      received.push({ body, signature: String(req.headers['x-blockwatch-signature']), status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await startApp();
});

after(async () => {
  await app?.close();
  await store?.close();
  await new Promise((r) => receiver?.close(r));
  dir.remove();
});

describe('events through the store and the API', () => {
  let secret = '';
  let webhookId = '';

  test('webhook registration is admin-only and validated', async () => {
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      payload: { url: receiverUrl },
    });
    assert.equal(anonymous.statusCode, 401);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      headers: admin,
      payload: { url: 'ftp://x/' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'BW_ERR_INVALID_ARG');
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      headers: admin,
      payload: { url: receiverUrl, probe_cc: 'KZ' },
    });
    assert.equal(r.statusCode, 201, r.body);
    ({ id: webhookId, secret } = r.json());
    assert.match(webhookId, /^wh_[0-9a-f]{16}$/);
  });

  test('a URL blocked on two of three networks yields one event with the right scope and onset bracket', async () => {
    for (let round = 0; round < 10; round++) {
      const blocked = round >= 5;
      await store.insert([
        item(URL_A, 101, round, blocked ? 'dns' : null),
        item(URL_A, 102, round, blocked ? 'tls' : null),
        item(URL_A, 103, round, null),
      ]);
    }
    const events = await allEvents();
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e.status, 'open');
    assert.equal(e.input, URL_A);
    assert.equal(e.domain, 'news.example.kz');
    assert.deepEqual(e.networks.map((n) => n.asn).sort(), [101, 102]);
    assert.deepEqual(e.networksMeasured, [101, 102, 103]);
    for (const n of e.networks) {
      assert.equal(n.onset.before?.id, item(URL_A, n.asn, 4, null).uid, `AS${n.asn} last accessible`);
      assert.equal(n.onset.after.id, item(URL_A, n.asn, 5, null).uid, `AS${n.asn} first blocked`);
      // two rounds: one weak verdict elsewhere does not corroborate, so AS101's two wait for AS102's second
      assert.equal(n.detected.id, item(URL_A, 102, 6, null).uid, `AS${n.asn} detected`);
    }
    assert.deepEqual([...e.methods].sort(), ['dns', 'tls']);
    const list = await app.inject({ url: '/api/v1/events?probe_cc=KZ&probe_asn=AS101&status=open' });
    assert.equal(list.json().metadata.count, 1);
    assert.match(
      list.json().results[0].summary,
      /^Blocked in KZ since 2026-11-01 between 19:41 and 23:41 UTC on 2 of 3 networks \((DNS, TLS|TLS, DNS)\)$/,
    );
    assert.equal((await app.inject({ url: '/api/v1/events?probe_asn=AS103' })).json().metadata.count, 0);
    assert.equal((await app.inject({ url: '/api/v1/events?method=http_blockpage' })).json().metadata.count, 0);
    assert.equal((await app.inject({ url: '/api/v1/events?since=2026-12-01' })).json().metadata.count, 1, 'still open');
    assert.equal((await app.inject({ url: '/api/v1/events?until=2026-11-01' })).json().metadata.count, 0);
    const bad = await app.inject({ url: '/api/v1/events?status=maybe' });
    assert.equal(bad.statusCode, 400);
  });

  test('one event with its evidence, and the history answer', async () => {
    const [e] = await allEvents();
    const r = await app.inject({ url: `/api/v1/events/${e.id}` });
    assert.equal(r.statusCode, 200);
    const body = r.json();
    const blocked = body.evidence
      .filter((x: { role: string }) => x.role === 'blocked')
      .map((x: { measurement_uid: string }) => x.measurement_uid);
    assert.equal(blocked.length, 10, 'rounds 5–9 on two networks');
    assert.ok(blocked.includes(item(URL_A, 101, 5, null).uid));
    assert.equal(body.evidence.filter((x: { role: string }) => x.role === 'onset_before').length, 2);
    assert.equal((await app.inject({ url: '/api/v1/events/ev_0000000000000000' })).statusCode, 404);

    const h = await app.inject({ url: `/api/v1/history?probe_cc=KZ&input=${encodeURIComponent(URL_A)}` });
    assert.equal(h.statusCode, 200, h.body);
    const history = h.json();
    assert.match(history.answer, /^Blocked in KZ since 2026-11-01 between 19:41 and 23:41 UTC on 2 of 3 networks/);
    assert.deepEqual(
      history.networks.map((n: { asn: number; current: string }) => [n.asn, n.current]),
      [
        [101, 'blocked'],
        [102, 'blocked'],
        [103, 'accessible'],
      ],
    );
    const none = await app.inject({ url: '/api/v1/history?probe_cc=KZ&input=https%3A%2F%2Fnever.example%2F' });
    assert.match(none.json().answer, /^No measurements of/);
    assert.equal((await app.inject({ url: '/api/v1/history?probe_cc=KZ' })).statusCode, 400);
  });

  test('the webhook is delivered after two failures, signed, and every attempt is logged', async () => {
    await until('three webhook attempts', () => received.length >= 3);
    assert.deepEqual(
      received.slice(0, 3).map((r) => r.status),
      [500, 500, 200],
    );
    for (const r of received) {
      assert.equal(r.signature, `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
    }
    const payload = JSON.parse(received[2].body);
    assert.equal(payload.type, 'event.opened');
    assert.equal(payload.event.input, URL_A);
    assert.match(payload.summary, /^Blocked in KZ/);
    await until('the delivery log', async () => {
      const log = await app.inject({ url: `/api/v1/admin/webhooks/${webhookId}/deliveries`, headers: admin });
      return log.json().results.length >= 3;
    });
    const log = (await app.inject({ url: `/api/v1/admin/webhooks/${webhookId}/deliveries`, headers: admin })).json()
      .results;
    assert.deepEqual(
      log.map((d: { attempt: number; delivered: boolean; status_code: number }) => [
        d.attempt,
        d.delivered,
        d.status_code,
      ]),
      [
        [3, true, 200],
        [2, false, 500],
        [1, false, 500],
      ],
    );
  });

  test('the Atom feed escapes hostile URLs', async () => {
    for (let round = 0; round < 4; round++) {
      await store.insert(
        [101, 102, 103].map((asn) => item(HOSTILE, asn, 20 + round, round >= 1 ? 'http_blockpage' : null)),
      );
    }
    const r = await app.inject({ url: '/api/v1/feeds/events.atom?probe_cc=KZ' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /^application\/atom\+xml/);
    const xml = r.body;
    assert.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    assert.equal((xml.match(/<entry>/g) ?? []).length, 2);
    assert.ok(!xml.includes('<script>'), 'markup from a URL must be escaped');
    assert.ok(xml.includes('&lt;script&gt;alert(1)&lt;/script&gt;?a=1&amp;b=&quot;x&quot;'));
    assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE]/.test(xml), 'no characters XML forbids');
    const byDomain = await app.inject({ url: '/api/v1/feeds/events.atom?domain=news.example.kz' });
    assert.equal((byDomain.body.match(/<entry>/g) ?? []).length, 1);
    assert.equal((await app.inject({ url: '/api/v1/feeds/events.atom?probe_cc=kz' })).statusCode, 400);
  });

  test('rebuild over the stored history gives the same events', async () => {
    const before = await allEvents();
    assert.equal(before.length, 2);
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/admin/events/rebuild' });
    assert.equal(anonymous.statusCode, 401);
    const r = await app.inject({ method: 'POST', url: '/api/v1/admin/events/rebuild', headers: admin });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { measurements: 42, events: 2 });
    const sort = (list: BlockingEvent[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(sort(await allEvents()), sort(before));
  });

  test('after a restart the detector resumes from the stored state, catches up, and closes the event', async () => {
    await app.close();
    const snapshot = await loadSnapshot(store);
    assert.equal(snapshot.series.length, 6);
    assert.equal(snapshot.openEvents.length, 2);
    // Stored while no detector runs (an offline import): the next start catches up on it.
    await store.insert([item(URL_A, 101, 10, null), item(URL_A, 102, 10, null), item(URL_A, 103, 10, null)]);
    await startApp();
    const deliveredBefore = received.length;
    for (let round = 11; round < 14; round++) {
      await store.insert([item(URL_A, 101, round, null), item(URL_A, 102, round, null), item(URL_A, 103, round, null)]);
    }
    const [e] = (await allEvents()).filter((x) => x.input === URL_A);
    assert.equal(e.status, 'closed');
    for (const n of e.networks) {
      assert.equal(n.end?.before?.id, item(URL_A, n.asn, 9, null).uid);
      assert.equal(n.end?.after.id, item(URL_A, n.asn, 10, null).uid);
    }
    await webhooks.idle();
    const closed = received.slice(deliveredBefore).map((r) => JSON.parse(r.body));
    assert.deepEqual(
      closed.map((p) => p.type),
      ['event.closed'],
    );
    const h = await app.inject({ url: `/api/v1/history?probe_cc=KZ&input=${encodeURIComponent(URL_A)}` });
    assert.match(h.json().answer, /^Not blocked in KZ now: it was blocked in KZ from .* accessible since 2026-11-02/);
  });

  test('registry: import a list, compare with observations; bad files are rejected and change nothing', async () => {
    const csv = [
      'target,date,authority,legal_basis',
      'news.example.kz,2026-10-30,"Ministry of Information, KZ","Law on Mass Media, art. 41-1"',
      'https://listed-only.example.kz/,2026-10-01,Court,Decision 2-1/2026',
      '203.0.113.0/24,2026-10-01,Court,Decision 2-2/2026',
    ].join('\n');
    const post = (body: string, query: string, headers: Record<string, string> = admin) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/admin/registry/import?${query}`,
        headers: { ...headers, 'content-type': 'text/csv' },
        payload: body,
      });
    assert.equal((await post(csv, 'probe_cc=KZ&format=csv', {})).statusCode, 401);
    const ok = await post(csv, 'probe_cc=KZ&format=csv&list=official');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { imported: 3 });
    const bad = await post(
      'target,date,authority,legal_basis\nnot a target,2026-13-01,x,y\n',
      'probe_cc=KZ&format=csv&list=official',
    );
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'BW_ERR_INVALID_INPUT');
    assert.match(bad.json().message, /body:2: target 'not a target'/);

    const r = await app.inject({ url: '/api/v1/registry/compare?probe_cc=KZ' });
    assert.equal(r.statusCode, 200, r.body);
    const cmp = r.json();
    assert.deepEqual(cmp.listed, { total: 3, url: 1, domain: 1, ip: 1 }, 'the bad import changed nothing');
    assert.equal(cmp.measured, 1);
    // news.example.kz is no longer blocked anywhere (the event closed): listed but reachable on every network
    assert.deepEqual(
      cmp.listedReachable.map((f: { target: string }) => f.target),
      ['news.example.kz'],
    );
    assert.deepEqual(cmp.listedReachable[0].networksReachable, [101, 102, 103]);
    // the hostile URL is blocked and on no list
    assert.deepEqual(
      cmp.blockedNotListed.map((b: { input: string }) => b.input),
      [HOSTILE],
    );
    assert.deepEqual(
      cmp.networks.map((n: { asn: number; compliance: number }) => [n.asn, n.compliance]),
      [
        [101, 0],
        [102, 0],
        [103, 0],
      ],
    );
  });

  test('rebuilds compute the same TLS and throughput timings in SQL as new batches do in TypeScript', async () => {
    const testKeys = {
      tls_handshakes: [
        { failure: 'connection_reset', t0: 0.05, t: 0.06 },
        { failure: null, t0: 0.1, t: 0.35 },
      ],
      requests: [{ failure: null, t0: 1, t: 3, response: { code: 200, x_body_length: 200_000 } }],
    };
    const timed = item('https://timed.example.kz/', 104, 30, null);
    timed.measurement.test_keys = testKeys;
    await store.insert([timed]);
    const expected = timingsOf(testKeys);
    assert.ok(Math.abs((expected.tlsHandshakeMs ?? 0) - 250) < 1e-9);
    assert.equal(expected.throughputKbps, 800);
    let found: { tlsHandshakeMs?: number; throughputKbps?: number } | undefined;
    for await (const page of readObservations(store)) {
      const o = page.find((x) => x.id === timed.uid);
      if (o) found = { tlsHandshakeMs: o.tlsHandshakeMs, throughputKbps: o.throughputKbps };
    }
    assert.ok(found, 'the measurement is read back');
    assert.ok(Math.abs((found.tlsHandshakeMs ?? 0) - 250) < 1e-6, `tls ${found.tlsHandshakeMs}`);
    assert.ok(Math.abs((found.throughputKbps ?? 0) - 800) < 1e-6, `throughput ${found.throughputKbps}`);
  });
});

/** OONI's telegram measurements: Russia's (data centres unreachable: blocked, TCP/IP) and one from the US (ok). */
const TELEGRAM_BLOCKED = 'explorer-e2e__20221109225810.435617_RU_telegram_ecbc73cacd8ea566.json';
const TELEGRAM_OK = 'explorer-e2e__20221110102858.395748_US_telegram_b2b51fffce62b986.json';
const T_SERVICE = Date.UTC(2026, 10, 24, 2, 0, 0);

/** A real telegram measurement moved to KZ, `asn` and round `round` (every 4 h), with its real verdict. */
function telegramItem(
  asn: number,
  round: number,
  blocked: boolean,
  overrides: Record<string, unknown> = {},
): AnalyzedMeasurement {
  const timeMs = T_SERVICE + round * 4 * HOUR + (asn % 100) * 60_000;
  const stamp = new Date(timeMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const source = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, blocked ? TELEGRAM_BLOCKED : TELEGRAM_OK), 'utf8'));
  const measurement = {
    ...source,
    probe_cc: 'KZ',
    probe_asn: `AS${asn}`,
    measurement_start_time: sqlTime(timeMs),
    test_start_time: sqlTime(timeMs),
    ...overrides,
  } as Measurement<Record<string, unknown>>;
  const verdict = analyzeAny(measurement);
  assert.equal(verdict.outcome, blocked ? 'blocked' : 'accessible', 'the fixture reads as intended');
  const hex = `${asn.toString(16).padStart(4, '0')}${round.toString(16).padStart(6, '0')}`;
  return { uid: `${stamp}.000000_KZ_telegram_${hex}`, measurement, verdict, source: 'collector' };
}

describe("a messaging service's events through the store and the API", () => {
  const NETWORKS = [201, 202, 203];
  const BLOCKED_FROM = 3;
  let before: { measurements: number; events: number };

  async function rebuild(): Promise<{ measurements: number; events: number }> {
    const r = await app.inject({ method: 'POST', url: '/api/v1/admin/events/rebuild', headers: admin });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  }

  test('telegram blocked on two of three networks opens one event whose subject is the service', async () => {
    before = await rebuild();
    for (let round = 0; round < 7; round++) {
      await store.insert(NETWORKS.map((asn) => telegramItem(asn, round, asn !== 203 && round >= BLOCKED_FROM)));
    }
    const blocked = telegramItem(206, 5, true);
    const dnscheck = { ...blocked, measurement: { ...blocked.measurement, test_name: 'dnscheck' } };
    // Measured without a country, or without a network, a measurement says nothing about a place: left out.
    await store.insert([
      telegramItem(204, 3, true, { probe_cc: 'ZZ' }),
      telegramItem(205, 4, true, { probe_asn: 'AS0' }),
      // dnscheck feeds no events, whatever its verdict (here a blocked one)
      dnscheck,
    ]);
    const r = await app.inject({ url: '/api/v1/events?probe_cc=KZ&input=telegram' });
    assert.equal(r.statusCode, 200, r.body);
    const { results } = r.json() as {
      results: (BlockingEvent & { summary: string; test_name: string; service: string })[];
    };
    assert.equal(results.length, 1);
    const [e] = results;
    assert.equal(e.input, 'telegram');
    assert.equal(e.domain, '');
    assert.equal(e.test_name, 'telegram');
    assert.equal(e.service, 'Telegram');
    assert.equal(e.status, 'open');
    assert.deepEqual(e.networks.map((n) => n.asn).sort(), [201, 202]);
    assert.deepEqual(e.networksMeasured, NETWORKS);
    assert.deepEqual(e.methods, ['tcp_ip']);
    for (const n of e.networks) {
      assert.equal(n.onset.before?.id, telegramItem(n.asn, BLOCKED_FROM - 1, false).uid, `AS${n.asn} last accessible`);
      assert.equal(n.onset.after.id, telegramItem(n.asn, BLOCKED_FROM, true).uid, `AS${n.asn} first blocked`);
    }
    assert.equal(
      e.summary,
      'Telegram blocked in KZ since 2026-11-24 between 10:01 and 14:01 UTC on 2 of 3 networks (TCP/IP)',
    );
    const detail = (await app.inject({ url: `/api/v1/events/${e.id}` })).json();
    assert.equal(
      detail.evidence.filter((x: { role: string }) => x.role === 'blocked').length,
      8,
      'rounds 3–6, two networks',
    );
    assert.deepEqual(detail.remote_evidence, []);
    const urlEvents = await app.inject({ url: `/api/v1/events?input=${encodeURIComponent(URL_A)}` });
    assert.equal(urlEvents.json().results[0].test_name, 'web_connectivity');
    assert.equal(urlEvents.json().results[0].service, null);
  });

  test("the service's history answers in one sentence, network by network", async () => {
    const h = await app.inject({ url: '/api/v1/history?probe_cc=KZ&input=telegram' });
    assert.equal(h.statusCode, 200, h.body);
    const history = h.json();
    assert.match(
      history.answer,
      /^Telegram blocked in KZ since 2026-11-24 between 10:01 and 14:01 UTC on 2 of 3 networks/,
    );
    assert.deepEqual(
      history.networks.map((n: { asn: number; current: string }) => [n.asn, n.current]),
      [
        [201, 'blocked'],
        [202, 'blocked'],
        [203, 'accessible'],
      ],
    );
  });

  test('a rebuild from the stored rows gives the same service event', async () => {
    const incremental = await allEvents();
    const after = await rebuild();
    assert.equal(after.measurements, before.measurements + 21, 'the 21 placed telegram measurements, nothing else');
    assert.equal(after.events, before.events + 1);
    const sort = (list: BlockingEvent[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    assert.deepEqual(sort(await allEvents()), sort(incremental));
  });
});
