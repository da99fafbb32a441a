import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getTestPki, type TestPki } from '../../test/helpers/pki.ts';
import {
  type DnsResponder,
  dnsReplies,
  type RunningServer,
  startDohServer,
  startTcpServer,
  unusedPort,
} from '../../test/helpers/servers.ts';
import { createTrace } from '../measure/trace.ts';
import { type LookupDohOptions, lookupDoh } from './dns-over-https.ts';

let pki: TestPki;
const servers: RunningServer[] = [];
before(async () => {
  pki = await getTestPki();
});
after(() => Promise.all(servers.map((s) => s.close())));

async function dohWith(responder: DnsResponder) {
  const s = await startDohServer(responder, { cert: pki.localhost });
  servers.push(s);
  return s;
}

async function lookup(hostname: string, url: string, opts: Partial<LookupDohOptions> = {}) {
  const started = Date.now();
  const query = await lookupDoh(hostname, { trace: createTrace(), url, queryType: 'A', ca: [pki.ca.certPem], ...opts });
  return { query, elapsedMs: Date.now() - started };
}

describe('lookupDoh', () => {
  test('answers over RFC 8484 POST, with the DoH host pinned by resolve', async () => {
    const s = await dohWith(() => dnsReplies.address('192.0.2.9', 77));
    const url = `https://doh.test:${s.port}/dns-query`;
    const { query } = await lookup('example.test', url, { resolve: new Map([['doh.test', '127.0.0.1']]) });
    assert.equal(query.failure, null);
    assert.equal(query.engine, 'doh');
    assert.equal(query.resolver_address, url);
    assert.deepEqual(query.answers, [{ answer_type: 'A', ipv4: '192.0.2.9', ttl: 77 }]);
    assert.deepEqual(s.queries, [{ name: 'example.test', type: 'A' }]);
  });

  test('rcodes become the same failures as over UDP', async () => {
    const s = await dohWith((q) => dnsReplies.rcode(q.name.startsWith('nx') ? 'NXDOMAIN' : 'SERVFAIL'));
    assert.equal((await lookup('nx.test', s.url)).query.failure, 'dns_nxdomain_error');
    assert.equal((await lookup('sf.test', s.url)).query.failure, 'dns_servfail_error');
  });

  test('a non-200 answer is dns_server_misbehaving', async () => {
    const s = await dohWith(() => [{ httpStatus: 503 }]);
    assert.equal((await lookup('x.test', s.url)).query.failure, 'dns_server_misbehaving');
  });

  test('a DoH server with an unknown certificate is ssl_unknown_authority', async () => {
    const s = await dohWith(() => dnsReplies.address('192.0.2.9'));
    assert.equal((await lookup('x.test', s.url, { ca: [] })).query.failure, 'ssl_unknown_authority');
  });

  test('a stalled DoH server is generic_timeout_error within the budget', async () => {
    const s = await dohWith(dnsReplies.silent);
    const { query, elapsedMs } = await lookup('x.test', s.url, { timeoutMs: 400 });
    assert.equal(query.failure, 'generic_timeout_error');
    assert.ok(elapsedMs >= 390 && elapsedMs < 1500, `took ${elapsedMs} ms`);
  });

  test('connection failures keep their precise string', async () => {
    assert.equal(
      (await lookup('x.test', `https://127.0.0.1:${await unusedPort()}/dns-query`)).query.failure,
      'connection_refused',
    );
    const reset = await startTcpServer('reset-after-first-bytes');
    servers.push(reset);
    assert.equal((await lookup('x.test', `https://127.0.0.1:${reset.port}/`)).query.failure, 'connection_reset');
  });

  test('bad input is rejected with BW_ERR_INVALID_ARG', async () => {
    await assert.rejects(lookup('x.test', 'http://127.0.0.1/dns-query'), { code: 'BW_ERR_INVALID_ARG' });
    await assert.rejects(lookup('x.test', 'https://doh.test/', { resolve: new Map([['doh.test', 'nope']]) }), {
      code: 'BW_ERR_INVALID_ARG',
    });
  });
});
