import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startZoneServer, type ZoneServer } from '../../test/helpers/helper-dns.ts';
import {
  closedPort,
  PAGE,
  startHttpSite,
  startHttpsSite,
  startStallServer,
  type TestSite,
} from '../../test/helpers/helper-sites.ts';
import { getTestPki, type TestPki } from '../../test/helpers/pki.ts';
import { parseResolvePins } from '../probe/resolve-pins.ts';
import { createHelperServer, type HelperServer, type HelperServerOptions } from './server.ts';

const RESPONSE_KEYS = [
  'dns',
  'http3_request',
  'http_request',
  'ip_info',
  'quic_handshake',
  'tcp_connect',
  'tls_handshake',
];
const HTTP_REQUEST_KEYS = ['body_length', 'discovered_h3_endpoint', 'failure', 'headers', 'status_code', 'title'];

interface Started {
  helper: HelperServer;
  url: string;
  log: string[];
}

async function startHelper(options: Partial<HelperServerOptions>): Promise<Started> {
  const log: string[] = [];
  const helper = createHelperServer({
    upstream: { kind: 'udp', address: '127.0.0.1:9' }, // unused unless a test points it at its zone server
    deadlineMs: 5_000,
    log: (line) => log.push(line),
    ...options,
  });
  return { helper, url: await helper.listen(0, '127.0.0.1'), log };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the JSON the helper answered, whatever its shape
async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('control helper against loopback sites', () => {
  let pki: TestPki;
  let http: TestSite;
  let https: TestSite;
  let intercepted: TestSite;
  let stall: TestSite;
  let bogonTrap: TestSite;
  let zone: ZoneServer;
  let refusedPort: number;
  let started: Started;

  before(async () => {
    pki = await getTestPki();
    http = await startHttpSite();
    // (OpenSSL matches no wildcard that covers a single label such as *.test, so the names are explicit.)
    https = await startHttpsSite(await pki.issue({ names: ['secure.test'] }));
    intercepted = await startHttpsSite(await pki.issue({ names: ['mitm.test'], ca: pki.interceptionCa }));
    stall = await startStallServer();
    // Same port as the HTTP site on another loopback address: if the helper ever dialled it, this counts it.
    bogonTrap = await startStallServer('127.0.0.2', http.port);
    refusedPort = await closedPort();
    zone = await startZoneServer({
      'clean.test': { a: ['127.0.0.1'] },
      'bogus.test': { a: ['127.0.0.2'] },
      'gone.test': { rcode: 'NXDOMAIN' },
      'broken.test': { rcode: 'REFUSED' },
    });
    started = await startHelper({
      ca: [pki.ca.certPem],
      pins: parseResolvePins([
        `site.test:${http.port}:127.0.0.1`,
        `down.test:${refusedPort}:127.0.0.1`,
        `stall.test:${stall.port}:127.0.0.1`,
      ]),
    });
  });

  after(async () => {
    await started.helper.close();
    await Promise.all([http, https, intercepted, stall, bogonTrap].map((s) => s.close()));
    await zone.close();
  });

  test('GET / is the health check', async () => {
    const res = await fetch(started.url);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: 'Hello OONItarian!' });
  });

  test('an http URL gets a response with exactly the protocol keys', async () => {
    const { status, json } = await post(started.url, {
      http_request: `http://site.test:${http.port}/`,
      http_request_headers: { 'User-Agent': ['blockwatch-test'] },
      tcp_connect: [`127.0.0.1:${http.port}`],
    });
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json).sort(), RESPONSE_KEYS);
    assert.deepEqual(Object.keys(json.http_request).sort(), HTTP_REQUEST_KEYS);
    assert.deepEqual(json.tcp_connect, { [`127.0.0.1:${http.port}`]: { status: true, failure: null } });
    assert.deepEqual(json.tls_handshake, {}); // explicit cleartext port: no TLS check
    assert.deepEqual(json.quic_handshake, {});
    assert.equal(json.http3_request, null);
    assert.deepEqual(json.dns, { failure: null, addrs: ['127.0.0.1'] });
    assert.deepEqual(json.ip_info, { '127.0.0.1': { asn: 0, flags: 3 } });
    assert.equal(json.http_request.status_code, 200);
    assert.equal(json.http_request.failure, null);
    assert.equal(json.http_request.body_length, Buffer.byteLength(PAGE));
    assert.equal(json.http_request.title, 'Helper test page');
    assert.equal(json.http_request.headers['X-Test-Site'], 'yes');
    assert.equal(json.http_request.headers['Content-Type'], 'text/html');
    assert.equal(json.http_request.discovered_h3_endpoint, `site.test:443`);
  });

  test('an https URL is handshaken with SNI = host and reports the leaf issuer', async () => {
    const pins = parseResolvePins([`secure.test:${https.port}:127.0.0.1`]);
    const secure = await startHelper({ ca: [pki.ca.certPem], pins });
    try {
      const { status, json } = await post(secure.url, {
        http_request: `https://secure.test:${https.port}/`,
        http_request_headers: {},
        tcp_connect: [`127.0.0.1:${https.port}`],
      });
      assert.equal(status, 200);
      const key = `127.0.0.1:${https.port}`;
      assert.deepEqual(json.tls_handshake, {
        [key]: { server_name: 'secure.test', status: true, failure: null, x_issuer: 'CN=blockwatch test root' },
      });
      assert.equal(json.ip_info['127.0.0.1'].flags, 1 | 2 | 8);
      assert.equal(json.http_request.status_code, 200);
    } finally {
      await secure.helper.close();
    }
  });

  test('an interception certificate fails as ssl_unknown_authority and names the foreign issuer', async () => {
    const pins = parseResolvePins([`mitm.test:${intercepted.port}:127.0.0.1`]);
    const secure = await startHelper({ ca: [pki.ca.certPem], pins });
    try {
      const { json } = await post(secure.url, {
        http_request: `https://mitm.test:${intercepted.port}/`,
        http_request_headers: {},
        tcp_connect: [],
      });
      const tls = json.tls_handshake[`127.0.0.1:${intercepted.port}`];
      assert.equal(tls.status, false);
      assert.equal(tls.failure, 'ssl_unknown_authority');
      assert.equal(tls.x_issuer, 'CN=blockwatch test interception root');
      assert.equal(json.ip_info['127.0.0.1'].flags, 2); // no "valid for domain"
      assert.deepEqual(
        { ...json.http_request, headers: undefined },
        {
          body_length: -1,
          discovered_h3_endpoint: '',
          failure: 'unknown_error',
          headers: undefined,
          status_code: -1,
          title: '',
        },
      );
    } finally {
      await secure.helper.close();
    }
  });

  test('a site that is down gives the legacy failure strings', async () => {
    const { status, json } = await post(started.url, {
      http_request: `http://down.test:${refusedPort}/`,
      http_request_headers: {},
      tcp_connect: [`127.0.0.1:${refusedPort}`],
    });
    assert.equal(status, 200);
    assert.deepEqual(json.tcp_connect, {
      [`127.0.0.1:${refusedPort}`]: { status: false, failure: 'connection_refused_error' },
    });
    assert.deepEqual(json.http_request, {
      body_length: -1,
      discovered_h3_endpoint: '',
      failure: 'connection_refused_error',
      headers: {},
      status_code: -1,
      title: '',
    });
  });

  test('bogon endpoints are flagged and never dialled', async () => {
    const before = bogonTrap.connections();
    const { json } = await post(started.url, {
      http_request: `http://site.test:${http.port}/`,
      http_request_headers: {},
      tcp_connect: [`127.0.0.1:${http.port}`, `127.0.0.2:${http.port}`],
    });
    assert.deepEqual(json.ip_info['127.0.0.2'], { asn: 0, flags: 1 | 4 });
    assert.deepEqual(Object.keys(json.tcp_connect), [`127.0.0.1:${http.port}`]);
    assert.equal(bogonTrap.connections(), before);
  });

  test('the clean resolver: answers, NXDOMAIN, refusal, and a bogon-only answer', async () => {
    const viaDns = await startHelper({ upstream: { kind: 'udp', address: zone.address } });
    try {
      const clean = await post(viaDns.url, { http_request: `http://clean.test:${http.port}/`, tcp_connect: [] });
      assert.deepEqual(clean.json.dns, { failure: null, addrs: ['127.0.0.1'] });
      // 127.0.0.1 is a bogon here (no pin or registry makes it public): reported, never dialled or fetched
      assert.deepEqual(clean.json.ip_info, { '127.0.0.1': { asn: 0, flags: 2 | 4 } });
      assert.deepEqual(clean.json.tcp_connect, {});
      assert.equal(clean.json.http_request.failure, 'dns_lookup_error');

      const gone = await post(viaDns.url, { http_request: 'http://gone.test/', tcp_connect: [] });
      assert.deepEqual(gone.json.dns, { failure: 'dns_name_error', addrs: [] });
      assert.equal(gone.json.http_request.failure, 'dns_lookup_error');

      const broken = await post(viaDns.url, { http_request: 'http://broken.test/', tcp_connect: [] });
      assert.deepEqual(broken.json.dns, { failure: 'dns_server_failure', addrs: [] });
      assert.ok(zone.queries.includes('gone.test A'));
    } finally {
      await viaDns.helper.close();
    }
  });

  test('addresses in the operator registry count as public and carry their ASN', async () => {
    const viaDns = await startHelper({
      upstream: { kind: 'udp', address: zone.address },
      isPublicOverride: (ip) => ip === '127.0.0.1',
      asnOf: (ip) => (ip === '127.0.0.1' ? 64500 : null),
    });
    try {
      const { json } = await post(viaDns.url, { http_request: `http://clean.test:${http.port}/`, tcp_connect: [] });
      assert.deepEqual(json.ip_info, { '127.0.0.1': { asn: 64500, flags: 2 } });
      assert.equal(json.tcp_connect[`127.0.0.1:${http.port}`].status, true);
      assert.equal(json.http_request.status_code, 200);
    } finally {
      await viaDns.helper.close();
    }
  });

  test('IPv6 endpoints are keyed [ip]:port and measured', async (t) => {
    let site6: TestSite;
    try {
      site6 = await startHttpSite(undefined, '::1');
    } catch {
      t.skip('this host has no ::1');
      return;
    }
    const v6 = await startHelper({ pins: parseResolvePins([`six.test:${site6.port}:[::1]`]) });
    try {
      const { json } = await post(v6.url, {
        http_request: `http://six.test:${site6.port}/`,
        tcp_connect: [`[::1]:${site6.port}`],
      });
      assert.deepEqual(json.tcp_connect, { [`[::1]:${site6.port}`]: { status: true, failure: null } });
      assert.deepEqual(json.dns, { failure: null, addrs: ['::1'] });
      assert.deepEqual(json.ip_info, { '::1': { asn: 0, flags: 3 } });
      assert.equal(json.http_request.status_code, 200);
    } finally {
      await v6.helper.close();
      await site6.close();
    }
  });

  test('the deadline bounds a stalling site', async () => {
    const short = await startHelper({
      deadlineMs: 800,
      pins: parseResolvePins([`stall.test:${stall.port}:127.0.0.1`]),
    });
    try {
      const t0 = Date.now();
      const { status, json } = await post(short.url, {
        http_request: `http://stall.test:${stall.port}/`,
        tcp_connect: [`127.0.0.1:${stall.port}`],
      });
      const elapsedMs = Date.now() - t0;
      assert.equal(status, 200);
      assert.equal(json.tcp_connect[`127.0.0.1:${stall.port}`].status, true);
      assert.equal(json.http_request.failure, 'generic_timeout_error');
      assert.equal(json.http_request.status_code, -1);
      // bounded by the deadline, not by the 15 s operation budgets (generous margin for a loaded machine)
      assert.ok(elapsedMs < 5_000, `answered after ${elapsedMs} ms`);
    } finally {
      await short.helper.close();
    }
  });

  test('requests beyond the concurrency limit get 503', async () => {
    const busy = await startHelper({
      deadlineMs: 1_500,
      concurrency: 1,
      pins: parseResolvePins([`stall.test:${stall.port}:127.0.0.1`]),
    });
    try {
      const first = post(busy.url, { http_request: `http://stall.test:${stall.port}/`, tcp_connect: [] });
      await new Promise((r) => setTimeout(r, 100));
      const second = await post(busy.url, { http_request: `http://stall.test:${stall.port}/`, tcp_connect: [] });
      assert.equal(second.status, 503);
      assert.match(second.json.error, /busy/);
      assert.equal((await first).status, 200);
    } finally {
      await busy.helper.close();
    }
  });

  // biome-ignore format: one bad request per line
  const BAD: [name: string, body: string, field: string][] = [
    ['not JSON', 'hello', '(root)'],
    ['truncated JSON', '{"http_request":', '(root)'],
    ['empty body', '', '(root)'],
    ['a JSON array', '[]', '(root)'],
    ['JSON null', 'null', '(root)'],
    ['no URL', '{"tcp_connect":[]}', 'http_request'],
    ['a file URL', '{"http_request":"file:///etc/passwd","tcp_connect":[]}', 'http_request'],
    ['a host name endpoint', '{"http_request":"http://a.test/","tcp_connect":["a.test:80"]}', 'tcp_connect[0]'],
    ['the third endpoint bad', '{"http_request":"http://a.test/","tcp_connect":["1.1.1.1:80","1.1.1.1:443","1.1.1.1:x"]}', 'tcp_connect[2]'],
    ['headers as strings', '{"http_request":"http://a.test/","tcp_connect":[],"http_request_headers":{"Accept":"*/*"}}', 'http_request_headers.Accept'],
  ];
  for (const [name, body, field] of BAD) {
    test(`400 naming the field for ${name}`, async () => {
      const { status, json } = await post(started.url, body);
      assert.equal(status, 400);
      assert.equal(json.field, field);
      assert.equal(typeof json.error, 'string');
    });
  }

  test('oversized bodies get 413, other methods 405, other paths 404, and the helper keeps serving', async () => {
    const huge = await post(started.url, JSON.stringify({ http_request: 'http://a.test/', pad: 'x'.repeat(100_000) }));
    assert.equal(huge.status, 413);
    const put = await fetch(started.url, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    await put.body?.cancel();
    const other = await fetch(new URL('/admin', started.url));
    assert.equal(other.status, 404);
    await other.body?.cancel();
    const ok = await post(new URL('/api/v1/websites', started.url).href, {
      http_request: `http://site.test:${http.port}/`,
      tcp_connect: [],
    });
    assert.equal(ok.status, 200);
  });

  test('the log has one line per request and never the client address', () => {
    assert.ok(started.log.length >= 10);
    for (const line of started.log) {
      assert.doesNotMatch(line, /127\.0\.0\.1/);
      assert.match(line, /^time=\S+ method=\S+ path=\S+ status=\d{3}/);
    }
    assert.ok(started.log.some((l) => /status=200 host=site\.test .*tcp=1\/1/.test(l)));
    assert.ok(started.log.some((l) => /status=400 field=tcp_connect\[2\]/.test(l)));
  });
});
