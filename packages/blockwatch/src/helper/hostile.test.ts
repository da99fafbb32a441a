/**
 * The helper against hostile or broken servers (the shared loopback servers of test/helpers/servers.ts): every
 * answer arrives within the deadline, with the legacy failure string, and memory stays bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHttpSite } from '../../test/helpers/helper-sites.ts';
import { getTestPki, type TestPki } from '../../test/helpers/pki.ts';
import {
  dnsReplies,
  type RunningServer,
  startDohServer,
  startEndlessBodyServer,
  startRedirectLoopServer,
  startTcpServer,
} from '../../test/helpers/servers.ts';
import { parseResolvePins } from '../probe/resolve-pins.ts';
import { createHelperServer, type HelperServer, type HelperServerOptions } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the JSON the helper answered, whatever its shape
type Json = any;

async function withHelper(options: Partial<HelperServerOptions>, body: Json): Promise<Json> {
  const helper: HelperServer = createHelperServer({
    upstream: { kind: 'udp', address: '127.0.0.1:9' },
    deadlineMs: 3_000,
    ...options,
  });
  const url = await helper.listen(0, '127.0.0.1');
  try {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    return await res.json();
  } finally {
    await helper.close();
  }
}

describe('control helper against hostile servers', () => {
  let pki: TestPki;
  const servers: RunningServer[] = [];
  const serve = <T extends RunningServer>(s: T): T => {
    servers.push(s);
    return s;
  };

  before(async () => {
    pki = await getTestPki();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('DoH upstream (pinned by name, extra CA): answers are used, AAAA without answer is no failure', async () => {
    const doh = serve(
      await startDohServer((q) => (q.type === 'A' ? dnsReplies.address('127.0.0.1') : dnsReplies.noAnswer()), {
        cert: await pki.issue({ names: ['doh.test'] }),
      }),
    );
    const json = await withHelper(
      {
        upstream: { kind: 'doh', url: `https://doh.test:${doh.port}/dns-query` },
        ca: [pki.ca.certPem],
        pins: parseResolvePins([`doh.test:${doh.port}:127.0.0.1`]),
        isPublicOverride: () => false,
      },
      { http_request: 'https://www.site.test/', tcp_connect: [] },
    );
    assert.deepEqual(json.dns, { failure: null, addrs: ['127.0.0.1'] });
    assert.deepEqual(doh.queries.map((q) => `${q.name} ${q.type}`).sort(), ['www.site.test A', 'www.site.test AAAA']);
  });

  test('a DoH server that never answers costs the DNS budget, not the request', async () => {
    const doh = serve(await startDohServer(() => dnsReplies.silent(), { cert: pki.localhost }));
    const t0 = Date.now();
    const json = await withHelper(
      { upstream: { kind: 'doh', url: doh.url }, ca: [pki.ca.certPem], deadlineMs: 1_000 },
      { http_request: 'http://www.site.test/', tcp_connect: [] },
    );
    assert.deepEqual(json.dns, { failure: 'unknown_error', addrs: [] });
    assert.equal(json.http_request.failure, 'dns_lookup_error');
    assert.ok(Date.now() - t0 < 5_000);
  });

  test('an endless body is read up to the cap, and the page still counts', async () => {
    const endless = serve(await startEndlessBodyServer());
    const capBytes = 1 << 20;
    const json = await withHelper(
      { pins: parseResolvePins([`endless.test:${endless.port}:127.0.0.1`]), maxBodyBytes: capBytes },
      { http_request: `http://endless.test:${endless.port}/`, tcp_connect: [] },
    );
    assert.equal(json.http_request.failure, null);
    assert.equal(json.http_request.status_code, 200);
    assert.equal(json.http_request.title, 'Endless');
    assert.ok(json.http_request.body_length >= capBytes, String(json.http_request.body_length));
    assert.ok(json.http_request.body_length < capBytes + 256 * 1024, String(json.http_request.body_length));
    // the server was stopped, not drained: what it pushed is the cap plus socket buffers
    assert.ok(endless.bytesSent() < 16 * capBytes, String(endless.bytesSent()));
  });

  test('endless redirects end as unknown_error with no response, like Go', async () => {
    const loop = serve(await startRedirectLoopServer());
    const json = await withHelper(
      { pins: parseResolvePins([`loop.test:${loop.port}:127.0.0.1`]) },
      { http_request: `http://loop.test:${loop.port}/`, tcp_connect: [] },
    );
    assert.deepEqual(json.http_request, {
      body_length: -1,
      discovered_h3_endpoint: '',
      failure: 'unknown_error',
      headers: {},
      status_code: -1,
      title: '',
    });
    assert.equal(loop.hops(), 11); // the first request and 10 redirects
  });

  test('a redirect into the private network is not followed (no SSRF through the helper)', async () => {
    // a "metadata service" on a loopback address no pin makes public, and a public site redirecting to it
    const internal = await startHttpSite((_req, res) => {
      res.writeHead(200, { 'x-secret': 'credentials' });
      res.end('<title>INTERNAL</title>');
    }, '127.0.0.2');
    const evil = await startHttpSite((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.2:${internal.port}/latest/meta-data/` });
      res.end();
    });
    try {
      const json = await withHelper(
        { pins: parseResolvePins([`evil.test:${evil.port}:127.0.0.1`]) },
        { http_request: `http://evil.test:${evil.port}/`, tcp_connect: [] },
      );
      assert.equal(json.http_request.failure, 'dns_lookup_error');
      assert.equal(json.http_request.status_code, -1);
      assert.equal(internal.connections(), 0);
    } finally {
      await Promise.all([internal.close(), evil.close()]);
    }
  });

  for (const [behaviour, tlsFailure] of [
    ['reset-after-first-bytes', 'connection_reset'],
    ['fin-after-first-bytes', 'eof_error'],
  ] as const) {
    test(`TLS ${behaviour} is reported as ${tlsFailure}; the TCP connect still succeeded`, async () => {
      const tcp = serve(await startTcpServer(behaviour));
      const json = await withHelper(
        { pins: parseResolvePins([`sni.test:${tcp.port}:127.0.0.1`]) },
        { http_request: `https://sni.test:${tcp.port}/`, tcp_connect: [`127.0.0.1:${tcp.port}`] },
      );
      const key = `127.0.0.1:${tcp.port}`;
      assert.deepEqual(json.tcp_connect[key], { status: true, failure: null });
      assert.deepEqual(json.tls_handshake[key], {
        server_name: 'sni.test',
        status: false,
        failure: tlsFailure,
        x_issuer: null,
      });
      assert.equal(json.http_request.failure, 'unknown_error');
      assert.equal(json.ip_info['127.0.0.1'].flags, 1 | 2);
    });
  }
});
