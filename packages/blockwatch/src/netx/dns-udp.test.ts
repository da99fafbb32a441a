import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, describe, test } from 'node:test';
import { type DnsResponder, dnsReplies, type RunningServer, startUdpDnsServer } from '../../test/helpers/servers.ts';
import { createTrace } from '../measure/trace.ts';
import { type LookupUdpOptions, lookupUdp, MAX_DUPLICATES, parseResolver } from './dns-udp.ts';

const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function resolverWith(responder: DnsResponder): Promise<string> {
  const s = await startUdpDnsServer(responder);
  servers.push(s);
  return s.address;
}

async function lookup(hostname: string, resolver: string, opts: Partial<LookupUdpOptions> = {}) {
  const started = Date.now();
  const result = await lookupUdp(hostname, { trace: createTrace(), resolver, queryType: 'A', lingerMs: 0, ...opts });
  return { ...result, elapsedMs: Date.now() - started };
}

describe('lookupUdp', () => {
  test('records answers with TTLs, rcode and the raw response', async () => {
    const resolver = await resolverWith(() => [
      {
        answers: [
          { type: 'CNAME', data: 'edge.example.test', ttl: 30 },
          { type: 'A', name: 'edge.example.test', data: '192.0.2.7', ttl: 120 },
        ],
      },
    ]);
    const { query, duplicates } = await lookup('www.example.test', resolver);
    assert.equal(query.failure, null);
    assert.equal(query.engine, 'udp');
    assert.equal(query.resolver_address, resolver);
    assert.equal(query.rcode, 0);
    assert.deepEqual(query.answers, [
      { answer_type: 'CNAME', hostname: 'edge.example.test', ttl: 30 },
      { answer_type: 'A', ipv4: '192.0.2.7', ttl: 120 },
    ]);
    assert.ok(query.raw_response && Buffer.from(query.raw_response, 'base64').length > 12);
    assert.deepEqual(duplicates, []);
  });

  test('keeps listening after the first answer and reports the later ones (injection evidence)', async () => {
    const resolver = await resolverWith(() => dnsReplies.injected('10.10.34.35', '192.0.2.80', 60));
    const { query, duplicates, elapsedMs } = await lookup('blocked.test', resolver, { lingerMs: 400 });
    assert.deepEqual(query.answers, [{ answer_type: 'A', ipv4: '10.10.34.35', ttl: 60 }]);
    assert.equal(duplicates.length, 1);
    assert.deepEqual(duplicates[0]?.answers, [{ answer_type: 'A', ipv4: '192.0.2.80', ttl: 300 }]);
    assert.equal(duplicates[0]?.transaction_id, query.transaction_id);
    assert.ok((duplicates[0]?.t ?? 0) > query.t);
    assert.ok(elapsedMs >= 390 && elapsedMs < 1500, `linger bounded: ${elapsedMs} ms`);
  });

  test('a flood of answers keeps at most MAX_DUPLICATES', async () => {
    const flood = Array.from({ length: 100 }, (_, i) => ({
      answers: [{ type: 'A' as const, data: `10.0.0.${i % 250}` }],
    }));
    const { query, duplicates } = await lookup('flood.test', await resolverWith(() => flood), { lingerMs: 200 });
    assert.equal(query.failure, null);
    assert.equal(duplicates.length, MAX_DUPLICATES);
  });

  test('ignores replies with the wrong id', async () => {
    const resolver = await resolverWith(() => [
      { wrongId: true, answers: [{ type: 'A', data: '10.0.0.1' }] },
      { delayMs: 20, answers: [{ type: 'A', data: '192.0.2.1' }] },
    ]);
    const { query, duplicates } = await lookup('example.test', resolver, { lingerMs: 100 });
    assert.deepEqual(query.answers, [{ answer_type: 'A', ipv4: '192.0.2.1', ttl: 60 }]);
    assert.deepEqual(duplicates, []);
  });

  for (const [rcode, failure] of [
    ['NXDOMAIN', 'dns_nxdomain_error'],
    ['SERVFAIL', 'dns_servfail_error'],
    ['REFUSED', 'dns_refused_error'],
    ['FORMERR', 'dns_server_misbehaving'],
  ] as const) {
    test(`${rcode} is ${failure}`, async () => {
      const { query } = await lookup('x.test', await resolverWith(() => dnsReplies.rcode(rcode)));
      assert.equal(query.failure, failure);
      assert.equal(query.answers, null);
    });
  }

  test('NOERROR without an address of the asked type is dns_no_answer', async () => {
    const resolver = await resolverWith(() => dnsReplies.address('2001:db8::1'));
    assert.equal((await lookup('v6only.test', resolver)).query.failure, 'dns_no_answer');
    const aaaa = await lookup('v6only.test', resolver, { queryType: 'AAAA' });
    assert.deepEqual(aaaa.query.answers, [{ answer_type: 'AAAA', ipv6: '2001:db8::1', ttl: 60 }]);
  });

  test('a silent resolver is generic_timeout_error within the budget', async () => {
    const resolver = await resolverWith(dnsReplies.silent);
    const { query, elapsedMs } = await lookup('silent.test', resolver, { timeoutMs: 300 });
    assert.equal(query.failure, 'generic_timeout_error');
    assert.ok(elapsedMs >= 290 && elapsedMs < 1500, `took ${elapsedMs} ms`);
  });

  test('no resolver on the port (ICMP port unreachable) is connection_refused, fast', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const { port } = probe.address();
    await new Promise<void>((r) => probe.close(() => r()));
    const { query, elapsedMs } = await lookup('x.test', `127.0.0.1:${port}`, { timeoutMs: 2000 });
    assert.equal(query.failure, 'connection_refused');
    assert.ok(elapsedMs < 1000);
  });

  test('interrupted when the caller aborts', async () => {
    const resolver = await resolverWith(dnsReplies.silent);
    const { query } = await lookup('x.test', resolver, { signal: AbortSignal.abort() });
    assert.equal(query.failure, 'interrupted');
  });

  test('bad input is rejected with BW_ERR_INVALID_ARG', async () => {
    await assert.rejects(lookupUdp('', { trace: createTrace(), resolver: '127.0.0.1', queryType: 'A' }), {
      code: 'BW_ERR_INVALID_ARG',
    });
    await assert.rejects(lookupUdp('a..b', { trace: createTrace(), resolver: '127.0.0.1', queryType: 'A' }), {
      code: 'BW_ERR_INVALID_ARG',
    });
    await assert.rejects(lookupUdp('ok.test', { trace: createTrace(), resolver: 'dns.google', queryType: 'A' }), {
      code: 'BW_ERR_INVALID_ARG',
    });
    await assert.rejects(
      lookupUdp('ok.test', { trace: createTrace(), resolver: '127.0.0.1', queryType: 'MX' as 'A' }),
      {
        code: 'BW_ERR_INVALID_ARG',
      },
    );
  });
});

describe('parseResolver', () => {
  test('accepts ip, ip:port, [v6]:port and bare v6', () => {
    assert.deepEqual(parseResolver('192.0.2.1'), { ip: '192.0.2.1', port: 53 });
    assert.deepEqual(parseResolver('192.0.2.1:5353'), { ip: '192.0.2.1', port: 5353 });
    assert.deepEqual(parseResolver('[2001:db8::1]:853'), { ip: '2001:db8::1', port: 853 });
    assert.deepEqual(parseResolver('2001:db8::1'), { ip: '2001:db8::1', port: 53 });
  });
  test('rejects names and bad ports', () => {
    for (const bad of ['', 'dns.google', '192.0.2.1:0', '192.0.2.1:70000', '[2001:db8::1', '1.2.3:53']) {
      assert.throws(() => parseResolver(bad), { code: 'BW_ERR_INVALID_ARG' }, bad);
    }
  });
});
