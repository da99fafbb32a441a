import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { getTestPki, type TestPki } from '../../test/helpers/pki.ts';
import {
  type RunningServer,
  startBlackholeServer,
  startEndlessBodyServer,
  startHttpServer,
  startHttpsServer,
  startRedirectLoopServer,
  startTcpServer,
  unusedPort,
} from '../../test/helpers/servers.ts';
import { createTrace, MAX_NETWORK_EVENTS } from '../measure/trace.ts';
import { type HttpGetOptions, httpGet } from './http.ts';

let pki: TestPki;
const servers: RunningServer[] = [];
before(async () => {
  pki = await getTestPki();
});
after(() => Promise.all(servers.map((s) => s.close())));

function keep<T extends RunningServer>(s: T): T {
  servers.push(s);
  return s;
}

async function get(url: string, opts: Partial<HttpGetOptions> = {}) {
  const started = Date.now();
  const result = await httpGet(url, { trace: createTrace(), ...opts });
  return { ...result, elapsedMs: Date.now() - started };
}

const PAGE = '<html><head><title>Hello, world</title></head><body>hi</body></html>';

describe('httpGet', () => {
  test('records request and response, headers in wire order, body, hash and title', async () => {
    const s = keep(
      await startHttpServer((req, res) => {
        res.setHeader('X-First', 'a');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.setHeader('Content-Type', 'text/html');
        res.end(`${PAGE}<!-- ${req.headers['user-agent']} -->`);
      }),
    );
    const { requests, failure } = await get(s.urlFor('example.test'), {
      address: '127.0.0.1',
      headers: { 'User-Agent': 'blockwatch-test', Accept: '*/*' },
    });
    assert.equal(failure, null);
    assert.equal(requests.length, 1);
    const [tx] = requests;
    assert.ok(tx);
    assert.equal(tx.address, `127.0.0.1:${s.port}`);
    assert.equal(tx.request.url, `http://example.test:${s.port}/`);
    assert.deepEqual(tx.request.headers_list, [
      ['Host', `example.test:${s.port}`],
      ['User-Agent', 'blockwatch-test'],
      ['Accept', '*/*'],
    ]);
    const body = `${PAGE}<!-- blockwatch-test -->`;
    assert.equal(tx.response?.code, 200);
    assert.equal(tx.response?.body, body);
    assert.equal(tx.response?.body_is_truncated, false);
    assert.equal(tx.response?.x_body_length, body.length);
    assert.equal(tx.response?.x_body_sha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(tx.response?.x_title, 'Hello, world');
    const names = tx.response?.headers_list.map(([n]) => n) ?? [];
    assert.deepEqual(names.slice(0, 4), ['X-First', 'Set-Cookie', 'Set-Cookie', 'Content-Type']);
    assert.equal(tx.response?.headers['Set-Cookie'], 'a=1');
  });

  test('keeps maxBodyBytes, counts and hashes everything read, base64 for non-UTF-8', async () => {
    const payload = Buffer.alloc(300_000, 0xff);
    const s = keep(await startHttpServer((_req, res) => res.end(payload)));
    const { requests, failure } = await get(s.url, { maxBodyBytes: 1000 });
    assert.equal(failure, null);
    const response = requests[0]?.response;
    assert.deepEqual(response?.body, { format: 'base64', data: payload.subarray(0, 1000).toString('base64') });
    assert.equal(response?.body_is_truncated, true);
    assert.equal(response?.x_body_length, payload.length);
    assert.equal(response?.x_body_sha256, createHash('sha256').update(payload).digest('hex'));
  });

  test('decodes gzip and br bodies; limits apply to decoded bytes (compression bomb)', async () => {
    const page = Buffer.from(`${PAGE}${'x'.repeat(5000)}`);
    const zeros = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024)); // ~32 KiB on the wire
    const s = keep(
      await startHttpServer((req, res) => {
        if (req.url === '/bomb') res.writeHead(200, { 'content-encoding': 'gzip' }).end(zeros);
        else if (req.url === '/br') res.writeHead(200, { 'content-encoding': 'br' }).end(zlib.brotliCompressSync(page));
        else if (req.url === '/broken') res.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip at all');
        else res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(page));
      }),
    );
    for (const path of ['', 'br']) {
      const { requests, failure } = await get(`${s.url}${path}`);
      assert.equal(failure, null);
      assert.equal(requests[0]?.response?.body, page.toString());
      assert.equal(requests[0]?.response?.x_body_length, page.length);
      assert.equal(requests[0]?.response?.x_title, 'Hello, world');
    }
    const bomb = await get(`${s.url}bomb`, { maxBodyBytes: 1024, maxReadBytes: 1 << 20 });
    assert.equal(bomb.failure, null);
    assert.equal(bomb.requests[0]?.response?.body_is_truncated, true);
    const read = bomb.requests[0]?.response?.x_body_length ?? 0;
    assert.ok(read >= 1 << 20 && read < 4 << 20, `read ${read} decoded bytes`);
    const broken = await get(`${s.url}broken`);
    assert.match(broken.failure ?? '', /^unknown_failure: /);
    assert.equal(broken.requests[0]?.response?.code, 200);
  });

  test('follows redirects across hosts, newest first, pinning only the first host', async () => {
    const resolved: string[] = [];
    const s = keep(
      await startHttpServer((req, res) => {
        const host = req.headers.host?.split(':')[0];
        if (req.url === '/start') res.writeHead(301, { location: '/step2' }).end();
        else if (req.url === '/step2') res.writeHead(302, { location: `http://other.test:${s.port}/final` }).end();
        else if (req.url === '/final' && req.headers.cookie === undefined && host === 'other.test') res.end(PAGE);
        else res.writeHead(500).end();
      }),
    );
    const { requests, failure } = await get(s.urlFor('example.test', '/start'), {
      address: '127.0.0.1',
      resolveHost: async (host) => {
        resolved.push(host);
        return '127.0.0.1';
      },
    });
    assert.equal(failure, null);
    assert.deepEqual(resolved, ['other.test']);
    assert.deepEqual(
      requests.map((r) => [r.request.url, r.response?.code]),
      [
        [`http://other.test:${s.port}/final`, 200],
        [`http://example.test:${s.port}/step2`, 302],
        [`http://example.test:${s.port}/start`, 301],
      ],
    );
    assert.ok((requests[0]?.transaction_id ?? 0) > (requests[2]?.transaction_id ?? 0));
  });

  test('keeps cookies along a redirect chain', async () => {
    const s = keep(
      await startHttpServer((req, res) => {
        if (req.headers.cookie === 'consent=yes') res.end(PAGE);
        else res.writeHead(302, { location: '/', 'set-cookie': 'consent=yes; Path=/; HttpOnly' }).end();
      }),
    );
    const { requests, failure } = await get(s.url, { maxRedirects: 3 });
    assert.equal(failure, null);
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.response?.code, 200);
  });

  test("an endless redirect loop stops after maxRedirects with OONI's string", async () => {
    const s = keep(await startRedirectLoopServer());
    const { requests, failure, elapsedMs } = await get(s.url, { maxRedirects: 10, timeoutMs: 5000 });
    assert.equal(failure, 'unknown_failure: stopped after too many redirects');
    assert.equal(requests.length, 11);
    assert.equal(s.hops(), 11);
    assert.ok(elapsedMs < 3000, `took ${elapsedMs} ms`);
  });

  test('a redirect to an empty host or another scheme is a failure', async () => {
    const s = keep(
      await startHttpServer((req, res) => {
        res.writeHead(302, { location: req.url === '/a' ? 'http:///nowhere' : 'ftp://example.test/' }).end();
      }),
    );
    assert.equal((await get(`${s.url}a`)).failure, 'http_invalid_redirect_location_host');
    assert.equal((await get(`${s.url}b`)).failure, 'http_unexpected_redirect_url');
  });

  test('an endless body is cut at maxReadBytes, with bounded memory and time', async () => {
    const s = keep(await startEndlessBodyServer());
    await get(s.url, { maxBodyBytes: 1024, maxReadBytes: 1 << 20 }); // warm up: lazy module and buffer pool growth
    const rssBefore = process.memoryUsage().rss;
    const { requests, failure, elapsedMs } = await get(s.url, {
      maxBodyBytes: 256 * 1024,
      maxReadBytes: 64 * 1024 * 1024,
      timeoutMs: 20_000,
    });
    const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.equal(failure, null);
    const response = requests[0]?.response;
    assert.equal(response?.body_is_truncated, true);
    assert.ok((response?.x_body_length ?? 0) >= 64 * 1024 * 1024);
    assert.equal(typeof response?.body === 'string' ? response.body.length : -1, 256 * 1024);
    assert.equal(response?.x_title, 'Endless');
    // had the 64 MiB been buffered, RSS would have grown by far more (measured: ~230 MiB; streaming: ~15 MiB of
    // not yet collected garbage)
    assert.ok(grownMiB < 48, `RSS grew by ${grownMiB.toFixed(1)} MiB`);
    assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`);
  });

  test('HTTPS through the pinned address: verified with extra roots, ssl_* on failure', async () => {
    const ok = keep(await startHttpsServer((_req, res) => res.end(PAGE), { cert: pki.localhost }));
    const url = ok.urlFor('example.test');
    const good = await get(url, { address: '127.0.0.1', ca: [pki.ca.certPem] });
    assert.equal(good.failure, null);
    assert.equal(good.requests[0]?.alpn, 'http/1.1');
    assert.equal(good.requests[0]?.response?.x_title, 'Hello, world');
    const untrusted = await get(url, { address: '127.0.0.1' });
    assert.equal(untrusted.failure, 'ssl_unknown_authority');
    assert.equal(untrusted.requests[0]?.x_failed_operation, 'tls_handshake');
    assert.equal(
      (await get(ok.urlFor('wrong.invalid'), { address: '127.0.0.1', ca: [pki.ca.certPem] })).failure,
      'ssl_invalid_hostname',
    );
    const expired = keep(await startHttpsServer((_req, res) => res.end(PAGE), { cert: pki.expired }));
    assert.equal(
      (await get(expired.urlFor('example.test'), { address: '127.0.0.1', ca: [pki.ca.certPem] })).failure,
      'ssl_invalid_certificate',
    );
    const failed = (await get(url, { address: '127.0.0.1' })).requests[0];
    assert.equal(failed?.response, null);
  });

  test('IPv6: a pinned ::1 and a bracketed literal URL', async (t) => {
    let s: Awaited<ReturnType<typeof startHttpServer>>;
    try {
      s = keep(await startHttpServer((req, res) => res.end(`<title>${req.headers.host}</title>`), { host: '::1' }));
    } catch {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    const pinned = await get(s.urlFor('example.test'), { address: '::1' });
    assert.equal(pinned.failure, null);
    assert.equal(pinned.requests[0]?.address, `[::1]:${s.port}`);
    assert.equal(pinned.requests[0]?.response?.x_title, `example.test:${s.port}`);
    const literal = await get(s.url);
    assert.equal(literal.failure, null);
    assert.equal(literal.requests[0]?.response?.x_title, `[::1]:${s.port}`);
  });

  test('connection failures: refused, reset, FIN, dropped SYN, stall', async () => {
    const refused = await get(`http://127.0.0.1:${await unusedPort()}/`);
    assert.equal(refused.failure, 'connection_refused');
    assert.equal(refused.requests[0]?.response, null);
    assert.equal(refused.requests[0]?.x_failed_operation, 'connect');

    const reset = keep(await startTcpServer('reset-after-first-bytes'));
    assert.equal((await get(`http://127.0.0.1:${reset.port}/`)).failure, 'connection_reset');

    const fin = keep(await startTcpServer('fin-after-first-bytes'));
    assert.equal((await get(`http://127.0.0.1:${fin.port}/`)).failure, 'eof_error');

    const blackhole = keep(await startBlackholeServer());
    const dropped = await get(`http://127.0.0.1:${blackhole.port}/`, { hopTimeoutMs: 300 });
    assert.equal(dropped.failure, 'generic_timeout_error');
    assert.ok(dropped.elapsedMs >= 290 && dropped.elapsedMs < 1500, `connect took ${dropped.elapsedMs} ms`);

    const stall = keep(await startTcpServer('stall'));
    const stalled = await get(`http://127.0.0.1:${stall.port}/`, { hopTimeoutMs: 300 });
    assert.equal(stalled.failure, 'generic_timeout_error');
    assert.ok(stalled.elapsedMs >= 290 && stalled.elapsedMs < 1500, `took ${stalled.elapsedMs} ms`);
    assert.equal(stalled.requests[0]?.x_failed_operation, 'http_round_trip');
    // the same silence after a ClientHello: the record names the handshake (the analysis calls it TLS blocking)
    const tlsStalled = await get(`https://127.0.0.1:${stall.port}/`, { hopTimeoutMs: 300 });
    assert.equal(tlsStalled.failure, 'generic_timeout_error');
    assert.equal(tlsStalled.requests[0]?.x_failed_operation, 'tls_handshake');
  });

  test('a body cut short keeps status and partial body, and fails with eof_error', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () =>
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 1000\r\n\r\n<title>Blocked</title>'),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as net.AddressInfo;
    try {
      const { requests, failure } = await get(`http://127.0.0.1:${port}/`);
      assert.equal(failure, 'eof_error');
      assert.equal(requests[0]?.x_failed_operation, 'read');
      assert.equal(requests[0]?.response?.code, 403);
      assert.equal(requests[0]?.response?.x_title, 'Blocked');
    } finally {
      server.close();
    }
  });

  test('a body that stalls midway is generic_timeout_error; the total deadline bounds a slow drip', async () => {
    const s = keep(
      await startHttpServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<title>Slow</title>');
        if (req.url === '/drip') {
          const timer = setInterval(() => res.write('.'), 50);
          res.on('close', () => clearInterval(timer));
        }
      }),
    );
    const stalled = await get(s.url, { hopTimeoutMs: 300 });
    assert.equal(stalled.failure, 'generic_timeout_error');
    assert.equal(stalled.requests[0]?.response?.x_title, 'Slow');
    const drip = await get(`${s.url}drip`, { hopTimeoutMs: 300, timeoutMs: 700 });
    assert.equal(drip.failure, 'generic_timeout_error');
    assert.ok(drip.elapsedMs >= 690 && drip.elapsedMs < 2000, `took ${drip.elapsedMs} ms`);
  });

  test('network events: connect, request write, reads adding up to the head and body, the stall that ended it', async () => {
    const body = 'x'.repeat(200_000);
    const s = keep(
      await startHttpServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        if (req.url === '/stall') res.write(body.slice(0, 30_000));
        else res.end(body);
      }),
    );
    const trace = createTrace();
    const full = await httpGet(s.url, { trace });
    const tx = full.requests[0]!;
    const mine = trace.networkEvents().filter((e) => e.transaction_id === tx.transaction_id);
    assert.deepEqual(
      mine.slice(0, 2).map((e) => [e.operation, e.address, e.failure]),
      [
        ['connect', tx.address, null],
        ['write', tx.address, null],
      ],
    );
    const reads = mine.filter((e) => e.operation === 'read');
    const readBytes = reads.reduce((sum, e) => sum + (e.num_bytes ?? 0), 0);
    assert.ok(readBytes > body.length && readBytes < body.length + 1000, `${readBytes} bytes read: head + body`);
    assert.ok(
      reads.every((e, i) => i === 0 || e.t >= reads[i - 1]!.t),
      'in time order',
    );
    assert.ok(trace.networkEvents().length <= MAX_NETWORK_EVENTS + 4, 'bounded');

    const stallTrace = createTrace();
    const stalled = await httpGet(`${s.url}stall`, { trace: stallTrace, hopTimeoutMs: 300 });
    assert.equal(stalled.failure, 'generic_timeout_error');
    const events = stallTrace.networkEvents();
    const last = events[events.length - 1]!;
    assert.deepEqual([last.operation, last.failure], ['read', 'generic_timeout_error']);
    const got = events.filter((e) => e.operation === 'read' && e.failure === null);
    const lastByte = got[got.length - 1]!.t;
    assert.ok(last.t - lastByte >= 0.29, 'the failure comes one idle period after the last byte');
  });

  test('oversized headers and garbage instead of HTTP are http_invalid_response', async () => {
    const big = keep(
      await startHttpServer((_req, res) => {
        res.setHeader('X-Padding', 'p'.repeat(64 * 1024));
        res.end('never read');
      }),
    );
    assert.equal((await get(big.url)).failure, 'http_invalid_response');
    const garbage = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.end('\x16\x03\x01 definitely not HTTP\r\n\r\n'));
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = garbage.address() as net.AddressInfo;
      assert.equal((await get(`http://127.0.0.1:${port}/`)).failure, 'http_invalid_response');
    } finally {
      garbage.close();
    }
  });

  test('a redirect host that does not resolve is a failed hop', async () => {
    const s = keep(await startHttpServer((_req, res) => res.writeHead(302, { location: 'http://gone.test/' }).end()));
    const { requests, failure } = await get(s.url, {
      resolveHost: async () => ({ failure: 'dns_nxdomain_error' }),
    });
    assert.equal(failure, 'dns_nxdomain_error');
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.request.url, 'http://gone.test/');
    assert.equal(requests[0]?.response, null);
  });

  test('allowAddress is checked on every hop, redirects to IP literals included', async () => {
    const s = keep(
      await startHttpServer((_req, res) => res.writeHead(302, { location: 'http://10.0.0.1/internal' }).end()),
    );
    const { requests, failure } = await get(s.url, { allowAddress: (ip) => ip === '127.0.0.1' });
    assert.equal(failure, 'dns_bogon_error');
    assert.deepEqual(
      requests.map((r) => [r.request.url, r.response?.code ?? null]),
      [
        ['http://10.0.0.1/internal', null],
        [s.url, 302],
      ],
    );
    assert.equal((await get(s.url, { allowAddress: () => false })).requests.length, 1);
  });

  test('interrupted when the caller aborts', async () => {
    const stall = keep(await startTcpServer('stall'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { failure, elapsedMs } = await get(`http://127.0.0.1:${stall.port}/`, { signal: controller.signal });
    assert.equal(failure, 'interrupted');
    assert.ok(elapsedMs < 1000);
  });

  test('bad input is rejected with BW_ERR_INVALID_ARG', async () => {
    for (const [url, opts] of [
      ['ftp://example.test/', {}],
      ['not a url', {}],
      ['http://example.test/', { address: 'example.test' }],
      ['http://example.test/', { maxRedirects: -1 }],
      ['http://example.test/', { timeoutMs: 0 }],
      ['http://example.test/', { headers: { 'Bad Header': 'x' } }],
      ['http://example.test/', { headers: { 'X-Ok': 'a\r\nInjected: 1' } }],
    ] as const) {
      await assert.rejects(get(url, opts as Partial<HttpGetOptions>), { code: 'BW_ERR_INVALID_ARG' }, url);
    }
  });
});
